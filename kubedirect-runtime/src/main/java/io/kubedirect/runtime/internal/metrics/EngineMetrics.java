package io.kubedirect.runtime.internal.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The engine's Micrometer meters, all tagged with {@code stage}. Wire bytes and frames are counted
 * by the transport; this counts protocol messages by type, batches and objects per link, ephemeral
 * and dirty objects and pending write-backs (gauges), the state, epoch and fallback of each sending
 * link (gauges), the accepted epoch of each upstream source (gauge), ack latency, write-back lag
 * and failures, handshakes and epoch rejections. With no registry given, a private {@link
 * SimpleMeterRegistry} is used so that tests can read the values. The names, as a Prometheus scrape
 * shows them, are listed in docs/operations.md.
 *
 * <p>{@link #close()} removes the gauges from the registry (they read the state of this engine
 * instance), so that a stage restarted in the same process with the same registry registers fresh
 * ones; counters and timers stay and keep counting.
 */
public final class EngineMetrics {

  /** Meter name prefix. */
  public static final String PREFIX = "kubedirect.";

  private final MeterRegistry registry;
  private final String stage;

  /**
   * The per-link counters, counted once per message or batch: cached to keep registry lookups off
   * links.
   */
  private final Map<LinkCounterKey, Counter> linkCounters = new ConcurrentHashMap<>();

  private record LinkCounterKey(String name, String link, String direction, String type) {}

  /** The gauges this instance registered (removed by {@link #close()}). */
  private final Queue<Meter> gauges = new ConcurrentLinkedQueue<>();

  /** The epoch this stage accepted last from each upstream source. */
  private final Map<String, AtomicLong> sourceEpochs = new ConcurrentHashMap<>();

  private final Map<String, Timer> ackLatency = new ConcurrentHashMap<>();
  private volatile boolean closed;

  /**
   * Creates the meters for {@code stage} in {@code registry} (null = a private simple registry).
   */
  public EngineMetrics(MeterRegistry registry, String stage) {
    this.registry = registry != null ? registry : new SimpleMeterRegistry();
    this.stage = stage;
  }

  /** The registry in use. */
  public MeterRegistry registry() {
    return registry;
  }

  /** Registers the gauges of ephemeral and dirty objects. */
  public void gauges(Supplier<Number> ephemeral, Supplier<Number> dirty) {
    gauge(
        Gauge.builder(PREFIX + "ephemeral.objects", ephemeral)
            .tag("stage", stage)
            .description("ephemeral objects held"));
    gauge(
        Gauge.builder(PREFIX + "dirty.objects", dirty)
            .tag("stage", stage)
            .description("objects sent over links and not yet seen persisted"));
  }

  /** Registers the gauge of objects with a write-back pending (the write-back queue's depth). */
  public void writeBackGauge(Supplier<Number> pending) {
    gauge(
        Gauge.builder(PREFIX + "writeback.pending", pending)
            .tag("stage", stage)
            .description(
                "objects with a write to the API Server pending (queued, in flight or awaiting retry)"));
  }

  /**
   * Registers the gauges of one sending link (this stage's session towards the downstream {@code
   * peer} at {@code link}): {@code link.state} is 1 for the state {@code state} returns and 0 for
   * the other {@code states}; {@code link.epoch} is the epoch of the link's current handshake (0
   * before the first); {@code link.fallback} is 1 while the objects for that link go through the
   * API Server.
   */
  public void linkGauges(
      String link,
      String peer,
      List<String> states,
      Supplier<String> state,
      LongSupplier epoch,
      BooleanSupplier fallback) {
    for (String s : states) {
      gauge(
          Gauge.builder(PREFIX + "link.state", () -> s.equals(state.get()) ? 1 : 0)
              .tag("stage", stage)
              .tag("link", link)
              .tag("peer", peer)
              .tag("state", s)
              .description("1 for the current state of a sending link, 0 for the other states"));
    }
    gauge(
        Gauge.builder(PREFIX + "link.epoch", epoch::getAsLong)
            .tag("stage", stage)
            .tag("link", link)
            .tag("peer", peer)
            .description("epoch of the sending link's current handshake (HLC, microseconds)"));
    gauge(
        Gauge.builder(PREFIX + "link.fallback", () -> fallback.getAsBoolean() ? 1 : 0)
            .tag("stage", stage)
            .tag("link", link)
            .tag("peer", peer)
            .description(
                "1 while the link is past its fallback deadline (objects go through the API Server)"));
  }

  /** Records the epoch this stage accepted from upstream {@code source} in a handshake. */
  public void sourceEpoch(String source, long epoch) {
    AtomicLong value =
        sourceEpochs.computeIfAbsent(
            source,
            s -> {
              AtomicLong v = new AtomicLong();
              gauge(
                  Gauge.builder(PREFIX + "source.epoch", v, AtomicLong::get)
                      .tag("stage", stage)
                      .tag("source", s)
                      .strongReference(true)
                      .description(
                          "epoch this stage accepted last from an upstream source (HLC, microseconds)"));
              return v;
            });
    value.set(epoch);
  }

  /** Records the time from sending a batch on {@code link} to its Ack. */
  public void ackLatency(String link, Duration latency) {
    ackLatency
        .computeIfAbsent(
            link,
            l ->
                Timer.builder(PREFIX + "link.ack.latency")
                    .tag("stage", stage)
                    .tag("link", l)
                    .description("time from sending an object batch to its Ack")
                    .register(registry))
        .record(latency);
  }

  /** Counts one message of {@code type} on link {@code link} in {@code direction} ("in"/"out"). */
  public void message(String link, String direction, String type) {
    linkCounter("session.messages", link, direction, type).increment();
  }

  /** Counts a batch of {@code objects} objects. */
  public void batch(String link, String direction, int objects) {
    linkCounter("link.batches", link, direction, null).increment();
    linkCounter("link.objects", link, direction, null).increment(objects);
  }

  /**
   * The counter {@code name} of {@code link} and {@code direction}, tagged with {@code type} unless
   * null.
   */
  private Counter linkCounter(String name, String link, String direction, String type) {
    return linkCounters.computeIfAbsent(
        new LinkCounterKey(name, link, direction, type),
        k -> {
          Counter.Builder b =
              Counter.builder(PREFIX + k.name())
                  .tag("stage", stage)
                  .tag("link", k.link())
                  .tag("direction", k.direction());
          return (k.type() == null ? b : b.tag("type", k.type())).register(registry);
        });
  }

  /** Counts a handshake round with its outcome. */
  public void handshake(String round, String outcome) {
    Counter.builder(PREFIX + "handshakes")
        .tag("stage", stage)
        .tag("round", round)
        .tag("outcome", outcome)
        .register(registry)
        .increment();
  }

  /** Counts a message rejected for its epoch. */
  public void epochRejected() {
    Counter.builder(PREFIX + "epoch.rejections").tag("stage", stage).register(registry).increment();
  }

  /** Records the time from an object's first ephemeral appearance to its persistence. */
  public void writeBackLag(Duration lag) {
    Timer.builder(PREFIX + "writeback.lag").tag("stage", stage).register(registry).record(lag);
  }

  /** Counts a failed write-back attempt by status. */
  public void writeBackFailure(String status) {
    Counter.builder(PREFIX + "writeback.failures")
        .tag("stage", stage)
        .tag("status", status)
        .register(registry)
        .increment();
  }

  /**
   * Counts an object whose write-back has been retried past the report threshold (once per object).
   */
  public void writeBackRetrying() {
    Counter.builder(PREFIX + "writeback.retrying")
        .tag("stage", stage)
        .register(registry)
        .increment();
  }

  /**
   * Counts an object the persisted store rejected for good, by {@code where}: {@code store} at the
   * stage whose write was rejected, {@code upstream} at a stage told so by its downstream, {@code
   * owner} at a head that failed a new object fast because its owner's objects were just rejected.
   */
  public void rejected(String where) {
    Counter.builder(PREFIX + "rejections")
        .tag("stage", stage)
        .tag("where", where)
        .register(registry)
        .increment();
  }

  /**
   * Counts a delete propagated downstream (a received delete of an object this stage had sent on).
   */
  public void deletePropagated() {
    Counter.builder(PREFIX + "deletes.propagated")
        .tag("stage", stage)
        .register(registry)
        .increment();
  }

  /**
   * Counts writes that went through the API Server because of fallback (label or link deadline).
   */
  public void fallbackWrite(String reason) {
    Counter.builder(PREFIX + "fallback.writes")
        .tag("stage", stage)
        .tag("reason", reason)
        .register(registry)
        .increment();
  }

  /** Registers a gauge and remembers it for {@link #close()}; after close, registers nothing. */
  private void gauge(Gauge.Builder<?> builder) {
    if (closed) {
      return;
    }
    gauges.add(builder.register(registry));
  }

  /** Removes this instance's gauges from the registry. Idempotent. */
  public void close() {
    closed = true;
    for (Meter m; (m = gauges.poll()) != null; ) {
      registry.remove(m);
    }
  }

  /** A counter's value for one tag value (for tests and logs). */
  public double count(String name, String tag, String value) {
    return registry.find(PREFIX + name).tag(tag, value).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /** Sum of a counter over all tags (for tests and logs). */
  public double count(String name) {
    return registry.find(PREFIX + name).counters().stream().mapToDouble(Counter::count).sum();
  }
}
