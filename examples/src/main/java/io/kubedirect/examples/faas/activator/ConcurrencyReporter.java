package io.kubedirect.examples.faas.activator;

import io.kubedirect.examples.faas.common.RequestStats;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;

/**
 * The activator's request accounting per function, reported to the autoscaler as Knative's
 * activator does: the first request of a function that has no entry (none seen since its last idle
 * reporting period, e.g. a function at zero) is reported at once as {@code {concurrency 1, requests
 * 1}}, so the autoscaler can scale from zero without waiting for a tick; then {@link #report()}
 * (every second) sends each function's time-averaged concurrency (requests in the activator:
 * waiting or proxied) and request count, minus the request already reported at once. An entry whose
 * period had no concurrency at all is dropped after its report. Stats go to the sink on {@code
 * sinkExecutor}, never on the caller's (I/O) thread. Thread-safe.
 */
final class ConcurrencyReporter {

  private final String reporterName;
  private final StatSink sink;
  private final Executor sinkExecutor;
  private final LongSupplier nanoTime;
  private final Map<RevisionKey, Entry> entries = new HashMap<>();

  ConcurrencyReporter(
      String reporterName, StatSink sink, Executor sinkExecutor, LongSupplier nanoTime) {
    this.reporterName = reporterName;
    this.sink = sink;
    this.sinkExecutor = sinkExecutor;
    this.nanoTime = nanoTime;
  }

  /** A request for {@code function} entered the activator. */
  void requestIn(RevisionKey function) {
    boolean first;
    synchronized (this) {
      Entry e = entries.get(function);
      first = e == null;
      if (first) {
        e = new Entry(nanoTime.getAsLong());
        e.firstAdjustment = 1;
        entries.put(function, e);
      }
      e.stats.requestIn(nanoTime.getAsLong(), false);
    }
    if (first) {
      Stat stat = Stat.of(reporterName, 1, 1);
      sinkExecutor.execute(() -> sink.record(function, stat));
    }
  }

  /** A request for {@code function} left the activator (answered, refused or abandoned). */
  synchronized void requestOut(RevisionKey function) {
    Entry e = entries.get(function);
    if (e != null) {
      e.stats.requestOut(nanoTime.getAsLong(), false);
    }
  }

  /** Requests of {@code function} in the activator now. */
  synchronized int concurrency(RevisionKey function) {
    Entry e = entries.get(function);
    return e == null ? 0 : e.stats.concurrency();
  }

  /** Cuts a report of every function and sends it (the 1-second tick). */
  void report() {
    List<Map.Entry<RevisionKey, Stat>> out = new ArrayList<>();
    synchronized (this) {
      long now = nanoTime.getAsLong();
      Iterator<Map.Entry<RevisionKey, Entry>> it = entries.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<RevisionKey, Entry> me = it.next();
        Entry e = me.getValue();
        RequestStats.Report r = e.stats.report(now);
        double adjust = e.firstAdjustment;
        e.firstAdjustment = 0;
        if (r.averageConcurrency() == 0) {
          it.remove();
        }
        out.add(
            Map.entry(
                me.getKey(),
                Stat.of(
                    reporterName,
                    Math.max(r.averageConcurrency() - adjust, 0),
                    Math.max(r.requestCount() - adjust, 0))));
      }
    }
    if (!out.isEmpty()) {
      sinkExecutor.execute(() -> out.forEach(e -> sink.record(e.getKey(), e.getValue())));
    }
  }

  private static final class Entry {
    final RequestStats stats;
    double firstAdjustment;

    Entry(long now) {
      this.stats = new RequestStats(now);
    }
  }
}
