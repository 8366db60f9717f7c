package io.kubedirect.transport.inmemory;

import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TaskScheduler;
import java.time.Duration;
import java.util.Optional;

/**
 * The dialling side: keeps one connection up, reconnecting with backoff after a failed attempt or a
 * closed connection, until {@link #close()}. All callbacks of all its connections go through one
 * {@link SerialExecutor}, so a new connection's {@code onOpen} never overtakes the old one's {@code
 * onClosed}.
 */
final class InMemoryClientLink implements ClientLink {

  final InMemoryNetwork net;
  final InMemoryTransport transport;
  final PeerAddress address;
  final String destination;
  final LinkHandler handler;
  final SerialExecutor events;

  // Guarded by the network lock.
  private boolean closed;
  private Endpoint connection;
  private Endpoint current;
  private BackoffPolicy policy;
  private TaskScheduler.Cancellable retry;
  private int attempts;
  private int failures;

  InMemoryClientLink(
      InMemoryNetwork net,
      InMemoryTransport transport,
      PeerAddress address,
      String destination,
      LinkHandler handler) {
    this.net = net;
    this.transport = transport;
    this.address = address;
    this.destination = destination;
    this.handler = handler;
    this.events = new SerialExecutor(net.scheduler);
    this.policy = transport.backoff().get();
  }

  void start() {
    synchronized (net.lock) {
      attempt();
    }
  }

  private void attempt() {
    if (closed) {
      return;
    }
    attempts++;
    net.dial(this);
  }

  @Override
  public PeerAddress address() {
    return address;
  }

  @Override
  public Optional<Link> current() {
    synchronized (net.lock) {
      return current != null && current.open ? Optional.of(current) : Optional.empty();
    }
  }

  /** Connection attempts so far (for tests). */
  int attempts() {
    synchronized (net.lock) {
      return attempts;
    }
  }

  /** Failed connection attempts so far (for tests). */
  int failures() {
    synchronized (net.lock) {
      return failures;
    }
  }

  boolean isClosed() {
    return closed;
  }

  /** An attempt failed; lock held. */
  void attemptFailed(String reason) {
    failures++;
    if (closed) {
      return;
    }
    Duration delay = policy.nextBackoff();
    net.trace.record(
        net.scheduler.nanoTime(),
        "connect-failed "
            + transport.instance()
            + "->"
            + address
            + " "
            + reason
            + " retry-in="
            + delay.toNanos(),
        0);
    scheduleRetry(delay);
  }

  private void scheduleRetry(Duration delay) {
    retry =
        net.scheduler.schedule(
            () -> {
              synchronized (net.lock) {
                retry = null;
                attempt();
              }
            },
            delay);
  }

  /** The acceptor took the connection; lock held. */
  void established(Endpoint e) {
    connection = e;
    policy = transport.backoff().get();
  }

  /** The HelloAck arrived; lock held. */
  void opened(Endpoint e) {
    if (connection == e) {
      current = e;
    }
  }

  /** The connection closed; lock held. */
  void linkClosed(Endpoint e) {
    if (connection != e) {
      return;
    }
    connection = null;
    current = null;
    if (!closed && !transport.isCrashed()) {
      scheduleRetry(policy.nextBackoff());
    }
  }

  @Override
  public void close() {
    synchronized (net.lock) {
      if (closed) {
        return;
      }
      closed = true;
      if (retry != null) {
        retry.cancel();
        retry = null;
      }
      if (connection != null) {
        connection.close();
      }
      transport.forget(this);
    }
  }
}
