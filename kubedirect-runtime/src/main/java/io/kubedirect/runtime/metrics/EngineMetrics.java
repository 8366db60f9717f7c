package io.kubedirect.runtime.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The engine's Micrometer meters, all tagged with {@code stage}. Wire bytes are counted by the transport;
 * this counts messages, batches and objects per link, ephemeral and dirty objects (gauges), write-back lag
 * and failures, handshakes and epoch rejections. With no registry given, a private
 * {@link SimpleMeterRegistry} is used so that tests can read the values.
 */
public final class EngineMetrics {

  /** Meter name prefix. */
  public static final String PREFIX = "kubedirect.";

  private final MeterRegistry registry;
  private final String stage;
  /** The per-link counters, counted once per message or batch: cached to keep registry lookups off links. */
  private final Map<LinkCounterKey, Counter> linkCounters = new ConcurrentHashMap<>();

  private record LinkCounterKey(String name, String link, String direction, String type) {}

  /** Creates the meters for {@code stage} in {@code registry} (null = a private simple registry). */
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
    Gauge.builder(PREFIX + "ephemeral.objects", ephemeral).tag("stage", stage)
        .description("ephemeral objects held").register(registry);
    Gauge.builder(PREFIX + "dirty.objects", dirty).tag("stage", stage)
        .description("objects sent over links and not yet seen persisted").register(registry);
  }

  /** Counts one message of {@code type} on link {@code link} in {@code direction} ("in"/"out"). */
  public void message(String link, String direction, String type) {
    linkCounter("link.messages", link, direction, type).increment();
  }

  /** Counts a batch of {@code objects} objects. */
  public void batch(String link, String direction, int objects) {
    linkCounter("link.batches", link, direction, null).increment();
    linkCounter("link.objects", link, direction, null).increment(objects);
  }

  /** The counter {@code name} of {@code link} and {@code direction}, tagged with {@code type} unless null. */
  private Counter linkCounter(String name, String link, String direction, String type) {
    return linkCounters.computeIfAbsent(new LinkCounterKey(name, link, direction, type), k -> {
      Counter.Builder b = Counter.builder(PREFIX + k.name()).tag("stage", stage).tag("link", k.link())
          .tag("direction", k.direction());
      return (k.type() == null ? b : b.tag("type", k.type())).register(registry);
    });
  }

  /** Counts a handshake round with its outcome. */
  public void handshake(String round, String outcome) {
    Counter.builder(PREFIX + "handshakes").tag("stage", stage).tag("round", round).tag("outcome", outcome)
        .register(registry).increment();
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
    Counter.builder(PREFIX + "writeback.failures").tag("stage", stage).tag("status", status)
        .register(registry).increment();
  }

  /** Counts an object whose write-back has been retried past the report threshold (once per object). */
  public void writeBackRetrying() {
    Counter.builder(PREFIX + "writeback.retrying").tag("stage", stage).register(registry).increment();
  }

  /**
   * Counts an object the persisted store rejected for good, by {@code where}: {@code store} at the stage whose
   * write was rejected, {@code upstream} at a stage told so by its downstream.
   */
  public void rejected(String where) {
    Counter.builder(PREFIX + "rejections").tag("stage", stage).tag("where", where).register(registry).increment();
  }

  /** Counts a delete propagated downstream (a received delete of an object this stage had sent on). */
  public void deletePropagated() {
    Counter.builder(PREFIX + "deletes.propagated").tag("stage", stage).register(registry).increment();
  }

  /** Counts writes that went through the API Server because of fallback (label or link deadline). */
  public void fallbackWrite(String reason) {
    Counter.builder(PREFIX + "fallback.writes").tag("stage", stage).tag("reason", reason)
        .register(registry).increment();
  }

  /** Sum of a counter over all tags (for tests and logs). */
  public double count(String name) {
    return registry.find(PREFIX + name).counters().stream().mapToDouble(Counter::count).sum();
  }
}
