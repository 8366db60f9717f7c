package io.kubedirect.examples.knative.autoscaler.scaling;

import io.kubedirect.examples.knative.autoscaler.MutableClock;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.Reachability;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricCollector;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;

/**
 * Times one multiscaler tick over N revisions (default 10,000) whose windows hold 60 s of live
 * stats, and measures the heap per revision. Run: {@code java -cp ... MultiscalerTickBench
 * [revisions] [runs]}.
 */
public final class MultiscalerTickBench {

  private MultiscalerTickBench() {}

  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    int runs = args.length > 1 ? Integer.parseInt(args[1]) : 30;
    MutableClock clock = new MutableClock(Instant.ofEpochSecond(1_700_000_000L));
    AutoscalerConfig config = AutoscalerConfig.defaults();
    RevisionAutoscaling rev = new RevisionAutoscaling(Map.of(), 0, Reachability.REACHABLE);
    DeciderSpec spec = rev.deciderSpec(config);

    long before = usedHeap();
    MetricCollector collector = new MetricCollector();
    Multiscaler ms = new Multiscaler(collector, k -> () -> 3, clock);
    RevisionKey[] keys = new RevisionKey[n];
    for (int i = 0; i < n; i++) {
      keys[i] = new RevisionKey("bench", "fn-" + i);
      ms.watch(keys[i], spec, rev.metricSpec(config));
    }
    // 60 s of stats: one sandbox stat and one activator stat per revision per second.
    for (int s = 0; s < 60; s++) {
      clock.advance(Duration.ofSeconds(1));
      for (int i = 0; i < n; i++) {
        collector.record(keys[i], clock.instant(), new Stat("pod", 50 + (i + s) % 40, 5, 60, 5));
        collector.record(keys[i], clock.instant(), Stat.of("activator", 5, 5));
      }
    }
    long after = usedHeap();
    System.out.printf(
        "revisions=%d heap/revision=%.0f bytes (windows 60 s + 6 s, linear)%n",
        n, (after - before) / (double) n);

    // Warm up, then time single ticks; time moves 2 s per tick with a stat per second, like
    // production.
    double[] ms2 = new double[runs];
    for (int w = 0; w < 20; w++) {
      step(ms, collector, keys, clock);
    }
    for (int r = 0; r < runs; r++) {
      ms2[r] = step(ms, collector, keys, clock);
    }
    Arrays.sort(ms2);
    System.out.printf(
        "tick over %d revisions: min %.2f ms, median %.2f ms, max %.2f ms (%d runs)%n",
        n, ms2[0], ms2[runs / 2], ms2[runs - 1], runs);
  }

  private static double step(
      Multiscaler ms, MetricCollector collector, RevisionKey[] keys, MutableClock clock) {
    for (int s = 0; s < 2; s++) {
      clock.advance(Duration.ofSeconds(1));
      for (RevisionKey k : keys) {
        collector.record(k, clock.instant(), Stat.of("pod", 50, 60));
      }
    }
    long t0 = System.nanoTime();
    ms.tick();
    return (System.nanoTime() - t0) / 1e6;
  }

  private static long usedHeap() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 5; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
