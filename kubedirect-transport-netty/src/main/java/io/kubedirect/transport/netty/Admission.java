package io.kubedirect.transport.netty;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Connection admission of one transport, shared by all its listeners: caps on accepted connections,
 * on connections still in the TLS/Hello exchange, and on open links per peer stage. Each accepted
 * connection holds one {@link Ticket}; the ticket's methods run on that connection's event loop,
 * the counters are shared and atomic.
 */
final class Admission {

  /** Why a connection was refused; the {@code reason} tag of {@value LinkMetrics#REJECTED}. */
  enum Reason {
    MAX_CONNECTIONS("max-connections"),
    UNAUTHENTICATED("unauthenticated"),
    PER_PEER("per-peer"),
    HANDSHAKE_TIMEOUT("handshake-timeout"),
    QUEUED_BYTES("queued-bytes"),
    QUEUED_MESSAGES("queued-messages");

    final String tag;

    Reason(String tag) {
      this.tag = tag;
    }
  }

  private final LinkSettings.Limits limits;
  private final AtomicInteger accepted = new AtomicInteger();
  private final AtomicInteger unauthenticated = new AtomicInteger();
  private final ConcurrentMap<String, Integer> perPeer = new ConcurrentHashMap<>();

  Admission(LinkSettings.Limits limits, LinkMetrics metrics) {
    this.limits = limits;
    metrics.connectionGauges(accepted, unauthenticated);
  }

  LinkSettings.Limits limits() {
    return limits;
  }

  /**
   * Admits a newly accepted connection, or names the limit it would exceed (nothing is counted
   * then).
   */
  Reason tryAccept() {
    if (accepted.incrementAndGet() > limits.maxConnections()) {
      accepted.decrementAndGet();
      return Reason.MAX_CONNECTIONS;
    }
    if (unauthenticated.incrementAndGet() > limits.maxUnauthenticated()) {
      unauthenticated.decrementAndGet();
      accepted.decrementAndGet();
      return Reason.UNAUTHENTICATED;
    }
    return null;
  }

  /** A ticket for a connection that {@link #tryAccept()} admitted. */
  Ticket ticket() {
    return new Ticket();
  }

  int accepted() {
    return accepted.get();
  }

  int unauthenticated() {
    return unauthenticated.get();
  }

  /** The counts held by one accepted connection; every method is idempotent. Event loop only. */
  final class Ticket {
    private boolean unauth = true;
    private boolean released;
    private String peer;

    /**
     * The connection has identified itself as {@code stage}: true and counted when that stage has
     * fewer than the per-peer maximum of open links, else false (nothing counted).
     */
    boolean admitPeer(String stage) {
      if (released || peer != null) {
        return !released;
      }
      boolean[] admitted = {false};
      perPeer.compute(
          stage,
          (s, n) -> {
            int open = n == null ? 0 : n;
            if (open >= limits.maxConnectionsPerPeer()) {
              return n;
            }
            admitted[0] = true;
            return open + 1;
          });
      if (admitted[0]) {
        peer = stage;
      }
      return admitted[0];
    }

    /** The version exchange completed: the connection no longer counts as unauthenticated. */
    void authenticated() {
      if (unauth && !released) {
        unauth = false;
        unauthenticated.decrementAndGet();
      }
    }

    /** The connection closed. */
    void release() {
      if (released) {
        return;
      }
      released = true;
      accepted.decrementAndGet();
      if (unauth) {
        unauth = false;
        unauthenticated.decrementAndGet();
      }
      if (peer != null) {
        perPeer.computeIfPresent(peer, (s, n) -> n <= 1 ? null : n - 1);
      }
    }
  }
}
