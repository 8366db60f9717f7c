package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.ErrorCode;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Micrometer meters of one transport: {@code kubedirect.link.errors{code,origin,stage}}, {@code
 * kubedirect.link.messages{direction,peer,stage}}, {@code
 * kubedirect.link.bytes{direction,peer,stage}}, the heartbeat round trip {@code
 * kubedirect.link.rtt{peer,stage}}, limits ({@code kubedirect.link.rejected{reason,stage}}, {@code
 * kubedirect.link.connections{state,stage}}) and TLS ({@code
 * kubedirect.tls.handshake.failures{reason,stage}}, {@code kubedirect.tls.reloads{result,stage}},
 * {@code kubedirect.tls.certificate.expiry{stage}}). See docs/operations.md.
 */
final class LinkMetrics {

  static final String ERRORS = "kubedirect.link.errors";
  static final String MESSAGES = "kubedirect.link.messages";
  static final String BYTES = "kubedirect.link.bytes";
  static final String RTT = "kubedirect.link.rtt";
  static final String CONNECT_FAILURES = "kubedirect.link.connect.failures";
  static final String REJECTED = "kubedirect.link.rejected";
  static final String CONNECTIONS = "kubedirect.link.connections";
  static final String TLS_FAILURES = "kubedirect.tls.handshake.failures";
  static final String TLS_RELOADS = "kubedirect.tls.reloads";
  static final String TLS_EXPIRY = "kubedirect.tls.certificate.expiry";

  /** Where an error was detected: here, or reported by the peer in an Error frame. */
  enum Origin {
    LOCAL,
    REMOTE
  }

  private final MeterRegistry registry;
  private final String stage;
  private final ConcurrentMap<String, Counter> errors = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, PeerMeters> peers = new ConcurrentHashMap<>();
  private final Counter connectFailures;
  private final ConcurrentMap<String, Counter> rejected = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, Counter> tlsFailures = new ConcurrentHashMap<>();

  /**
   * The gauges registered here: they read this transport's state, so {@link #close()} removes them.
   */
  private final java.util.Queue<io.micrometer.core.instrument.Meter> gauges =
      new java.util.concurrent.ConcurrentLinkedQueue<>();

  LinkMetrics(MeterRegistry registry, String stage) {
    this.registry = registry;
    this.stage = stage;
    this.connectFailures =
        Counter.builder(CONNECT_FAILURES)
            .tag("stage", stage)
            .description("failed connection attempts of client links")
            .register(registry);
  }

  MeterRegistry registry() {
    return registry;
  }

  void error(ErrorCode code, Origin origin) {
    String key = code.name() + '/' + origin;
    errors
        .computeIfAbsent(
            key,
            k ->
                Counter.builder(ERRORS)
                    .tag("code", code.name())
                    .tag("origin", origin.name().toLowerCase(java.util.Locale.ROOT))
                    .tag("stage", stage)
                    .description("link failures by protocol error code")
                    .register(registry))
        .increment();
  }

  void connectFailure() {
    connectFailures.increment();
  }

  /** A connection refused, or a send refused, because of a limit. */
  void rejected(Admission.Reason reason) {
    rejected
        .computeIfAbsent(
            reason.tag,
            r ->
                Counter.builder(REJECTED)
                    .tag("reason", r)
                    .tag("stage", stage)
                    .description("connections (or sends) refused by a transport limit")
                    .register(registry))
        .increment();
  }

  /** A failed TLS handshake or certificate check, by reason (see {@link TlsFailure.Reason}). */
  void tlsFailure(TlsFailure.Reason reason) {
    tlsFailures
        .computeIfAbsent(
            reason.tag,
            r ->
                Counter.builder(TLS_FAILURES)
                    .tag("reason", r)
                    .tag("stage", stage)
                    .description("failed TLS handshakes and certificate checks")
                    .register(registry))
        .increment();
  }

  /** Counters of certificate reloads. */
  Counter tlsReloads(String result) {
    return Counter.builder(TLS_RELOADS)
        .tag("result", result)
        .tag("stage", stage)
        .description("reloads of the TLS files: success, or failure (old material kept)")
        .register(registry);
  }

  /** The expiry (notAfter, seconds since the epoch) of this stage's own certificate. */
  void certificateExpiry(java.util.function.Supplier<Number> notAfterEpochSeconds) {
    gauges.add(
        Gauge.builder(TLS_EXPIRY, notAfterEpochSeconds, s -> s.get().doubleValue())
            .tag("stage", stage)
            .strongReference(true)
            .baseUnit("seconds")
            .description("notAfter of this stage's certificate, seconds since the epoch")
            .register(registry));
  }

  /** Gauges of the accepted and the not yet authenticated connections. */
  void connectionGauges(AtomicInteger accepted, AtomicInteger unauthenticated) {
    gauges.add(
        Gauge.builder(CONNECTIONS, accepted, AtomicInteger::get)
            .tag("state", "accepted")
            .tag("stage", stage)
            .strongReference(true)
            .description("accepted connections open now")
            .register(registry));
    gauges.add(
        Gauge.builder(CONNECTIONS, unauthenticated, AtomicInteger::get)
            .tag("state", "unauthenticated")
            .tag("stage", stage)
            .strongReference(true)
            .description("accepted connections that have not completed TLS and the Hello exchange")
            .register(registry));
  }

  /**
   * Removes this transport's gauges from the registry, so that a transport built later with the
   * same registry and stage name (a restarted stage) registers gauges of its own. Counters and
   * timers stay.
   */
  void close() {
    for (io.micrometer.core.instrument.Meter m; (m = gauges.poll()) != null; ) {
      registry.remove(m);
    }
  }

  /**
   * Meters for a peer stage. Plaintext peers choose their own names, so the number of distinct peer
   * tags is capped; beyond it, links share the tag {@value #OTHER_PEERS}.
   */
  PeerMeters peer(String peer) {
    PeerMeters existing = peers.get(peer);
    if (existing != null) {
      return existing;
    }
    String tag = peers.size() >= MAX_PEER_TAGS ? OTHER_PEERS : peer;
    return peers.computeIfAbsent(tag, p -> new PeerMeters(registry, stage, p));
  }

  static final int MAX_PEER_TAGS = 1024;
  static final String OTHER_PEERS = "other";

  /** Counters for the links to one peer stage. */
  static final class PeerMeters {
    final Counter messagesIn;
    final Counter messagesOut;
    final Counter bytesIn;
    final Counter bytesOut;
    final Timer rtt;

    PeerMeters(MeterRegistry registry, String stage, String peer) {
      messagesIn =
          Counter.builder(MESSAGES)
              .tag("direction", "in")
              .tag("peer", peer)
              .tag("stage", stage)
              .description("frames received")
              .register(registry);
      messagesOut =
          Counter.builder(MESSAGES)
              .tag("direction", "out")
              .tag("peer", peer)
              .tag("stage", stage)
              .description("frames sent")
              .register(registry);
      bytesIn =
          Counter.builder(BYTES)
              .tag("direction", "in")
              .tag("peer", peer)
              .tag("stage", stage)
              .baseUnit("bytes")
              .description("frame bytes received, length prefix included")
              .register(registry);
      bytesOut =
          Counter.builder(BYTES)
              .tag("direction", "out")
              .tag("peer", peer)
              .tag("stage", stage)
              .baseUnit("bytes")
              .description("frame bytes sent, length prefix included")
              .register(registry);
      rtt =
          Timer.builder(RTT)
              .tag("peer", peer)
              .tag("stage", stage)
              .description("heartbeat round trip")
              .register(registry);
    }
  }
}
