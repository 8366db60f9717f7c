package io.kubedirect.examples.knative.autoscaler.scaling;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricCollector;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricSpec;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Knative's {@code MultiScaler} together with the autoscaler's stat intake: one {@link Decider} per
 * watched revision, ticked every {@link Decider#TICK_INTERVAL} ({@link #tick()} or {@link #start}),
 * with the decisions kept as {@link DeciderStatus}. A listener hears about every change of the
 * desired scale or of the sign of the excess burst capacity. {@link #record} stores a stat at the
 * clock's current time and pokes the revision: a revision whose desired scale is 0 is decided at
 * once on a stat with non-zero concurrency, so a cold start does not wait for the next tick. The
 * clock is injected; nothing sleeps. Thread-safe; a revision's decider runs under its own lock.
 */
public final class Multiscaler implements StatSink, AutoCloseable {

  /**
   * Hears decision changes (Knative's {@code Watch}/{@code Inform}, with the new status attached).
   */
  @FunctionalInterface
  public interface Listener {
    /** The status of {@code key} changed. Called on the ticking thread; keep it short. */
    void onChange(RevisionKey key, DeciderStatus status);
  }

  private final MetricCollector collector;
  private final Function<RevisionKey, PodCounter> podCounters;
  private final Clock clock;
  private final Map<RevisionKey, Runner> runners = new ConcurrentHashMap<>();
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile ScheduledFuture<?> ticker;

  /**
   * A multiscaler reading {@code collector}, counting ready pods with {@code podCounters} (one
   * counter per revision) and telling time with {@code clock}.
   */
  public Multiscaler(
      MetricCollector collector, Function<RevisionKey, PodCounter> podCounters, Clock clock) {
    this.collector = Objects.requireNonNull(collector, "collector");
    this.podCounters = Objects.requireNonNull(podCounters, "podCounters");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The collector the multiscaler reads (and {@link #record} writes). */
  public MetricCollector collector() {
    return collector;
  }

  /** Adds a listener for decision changes. */
  public void addListener(Listener listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  /**
   * Starts or updates the decider and the metric collection of {@code key} (Knative's decider and
   * Metric reconciliation). A new decider starts with {@link DeciderStatus#initial}; an existing
   * one keeps its state.
   */
  public DeciderStatus watch(RevisionKey key, DeciderSpec spec, MetricSpec metricSpec) {
    Objects.requireNonNull(spec, "spec");
    collector.createOrUpdate(key, metricSpec, clock.instant());
    Runner runner =
        runners.compute(
            key,
            (k, existing) -> {
              if (existing == null) {
                return new Runner(
                    k,
                    new Decider(k, spec, collector, podCounters.apply(k), clock.instant()),
                    spec);
              }
              existing.decider.update(spec);
              return existing;
            });
    return runner.status();
  }

  /** Stops deciding for and collecting {@code key}. */
  public void unwatch(RevisionKey key) {
    runners.remove(key);
    collector.delete(key);
  }

  /** The latest status of {@code key}, if watched (Knative's {@code deciders.Get}). */
  public Optional<DeciderStatus> status(RevisionKey key) {
    Runner r = runners.get(key);
    return r == null ? Optional.empty() : Optional.of(r.status());
  }

  /** The current spec of {@code key}, if watched. */
  public Optional<DeciderSpec> spec(RevisionKey key) {
    Runner r = runners.get(key);
    return r == null ? Optional.empty() : Optional.of(r.decider.spec());
  }

  /** The number of watched revisions. */
  public int size() {
    return runners.size();
  }

  /**
   * Records a stat for {@code key} at the clock's time and pokes the revision (the autoscaler's
   * stat intake): the activator and the serving sandboxes report here as a {@link StatSink}.
   */
  @Override
  public void record(RevisionKey key, Stat stat) {
    collector.record(key, clock.instant(), stat);
    poke(key, stat);
  }

  /**
   * Decides {@code key} at once if its desired scale is 0 and {@code stat} shows concurrency
   * (Knative's Poke).
   */
  public void poke(RevisionKey key, Stat stat) {
    Runner r = runners.get(key);
    if (r != null && r.status().desiredScale() == 0 && stat.averageConcurrentRequests() != 0) {
      r.tick();
    }
  }

  /** Decides every watched revision once, at the clock's time. */
  public void tick() {
    for (Runner r : runners.values()) {
      r.tick();
    }
  }

  /** Decides {@code key} once at the clock's time; returns the result (invalid if not watched). */
  public ScaleResult tick(RevisionKey key) {
    Runner r = runners.get(key);
    return r == null ? ScaleResult.INVALID : r.tick();
  }

  /** Ticks every {@link Decider#TICK_INTERVAL} on {@code executor} until {@link #close}. */
  public synchronized void start(ScheduledExecutorService executor) {
    if (ticker != null) {
      throw new IllegalStateException("already started");
    }
    long period = Decider.TICK_INTERVAL.toMillis();
    ticker = executor.scheduleAtFixedRate(this::tick, period, period, TimeUnit.MILLISECONDS);
  }

  /** Stops the periodic ticks started by {@link #start}. */
  @Override
  public synchronized void close() {
    if (ticker != null) {
      ticker.cancel(false);
      ticker = null;
    }
  }

  private final class Runner {
    private final RevisionKey key;
    private final Decider decider;
    private volatile DeciderStatus status;

    Runner(RevisionKey key, Decider decider, DeciderSpec spec) {
      this.key = key;
      this.decider = decider;
      this.status = DeciderStatus.initial(spec);
    }

    DeciderStatus status() {
      return status;
    }

    ScaleResult tick() {
      DeciderStatus changed = null;
      ScaleResult result;
      synchronized (this) {
        result = decider.scale(clock.instant());
        if (!result.scaleValid()) {
          return result;
        }
        DeciderStatus old = status;
        DeciderStatus now =
            new DeciderStatus(result.desiredPodCount(), result.excessBurstCapacity());
        status = now;
        if (old.desiredScale() != now.desiredScale()
            || (old.excessBurstCapacity() < 0) != (now.excessBurstCapacity() < 0)) {
          changed = now;
        }
      }
      if (changed != null) {
        for (Listener l : listeners) {
          l.onChange(key, changed);
        }
      }
      return result;
    }
  }
}
