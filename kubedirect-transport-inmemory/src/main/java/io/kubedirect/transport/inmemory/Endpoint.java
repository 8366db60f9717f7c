package io.kubedirect.transport.inmemory;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkRules;
import io.kubedirect.transport.PeerIdentity;
import java.util.ArrayDeque;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One side of a {@link Connection}; the {@link Link} its owner sees. */
final class Endpoint implements Link {

  private static final Logger log = LoggerFactory.getLogger(Endpoint.class);

  final Connection conn;
  final String id;
  final boolean clientSide;
  final InMemoryTransport transport;
  final LinkHandler handler;
  final SerialExecutor events;
  final InMemoryClientLink clientLink;
  final PeerIdentity peer;
  Connection.Wire out;

  // Guarded by the network lock.
  boolean open = true;
  private boolean closedPosted;

  /** Closed by this side: callbacks not yet run (messages already received) are dropped. */
  private boolean discardInbound;

  private boolean openPosted;
  private int credits;
  private final ArrayDeque<Envelope> pending = new ArrayDeque<>();
  private boolean lastWritable;

  Endpoint(
      Connection conn,
      String id,
      boolean clientSide,
      InMemoryTransport transport,
      LinkHandler handler,
      SerialExecutor events,
      InMemoryClientLink clientLink,
      PeerIdentity peer,
      int initialCredits) {
    this.conn = conn;
    this.id = id;
    this.clientSide = clientSide;
    this.transport = transport;
    this.handler = handler;
    this.events = events;
    this.clientLink = clientLink;
    this.peer = peer;
    this.credits = initialCredits;
    this.lastWritable = initialCredits > 0;
  }

  @Override
  public PeerIdentity peer() {
    return peer;
  }

  @Override
  public int protocolMinor() {
    return Math.min(conn.client.transport.protocolMinor(), conn.server.transport.protocolMinor());
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public boolean isOpen() {
    synchronized (conn.net.lock) {
      return open;
    }
  }

  @Override
  public boolean isWritable() {
    synchronized (conn.net.lock) {
      return writable();
    }
  }

  private boolean writable() {
    return open && credits > 0 && pending.size() < transport.highWatermark();
  }

  /** Available send credit (for tests). */
  int credits() {
    synchronized (conn.net.lock) {
      return credits;
    }
  }

  /** Messages waiting for credit (for tests). */
  int queued() {
    synchronized (conn.net.lock) {
      return pending.size();
    }
  }

  @Override
  public void send(Envelope message) {
    Objects.requireNonNull(message, "message");
    if (!LinkRules.isLinkLevel(message.getBodyCase())) {
      throw new LinkException(
          ErrorCode.MALFORMED, "not a link-level message: " + message.getBodyCase());
    }
    synchronized (conn.net.lock) {
      if (!open) {
        throw new LinkException(ErrorCode.INTERNAL, "link " + id + " is closed");
      }
      if (credits > 0 && pending.isEmpty()) {
        credits--;
        out.transmit(message);
      } else if (pending.size() >= transport.maxQueuedMessages()) {
        throw new LinkException(
            ErrorCode.OVERLOADED,
            "outbound queue of "
                + id
                + " is full ("
                + pending.size()
                + " messages waiting for credit)");
      } else {
        pending.addLast(message);
      }
      updateWritability();
    }
  }

  @Override
  public void close() {
    closeLocally(null);
  }

  @Override
  public void close(ErrorCode code, String message) {
    closeLocally(
        new LinkException(Objects.requireNonNull(code, "code"), message == null ? "" : message));
  }

  private void closeLocally(LinkException cause) {
    synchronized (conn.net.lock) {
      if (!open) {
        return;
      }
      conn.net.trace.record(
          conn.net.scheduler.nanoTime(),
          "close " + id + (cause == null ? "" : " " + cause.getMessage()),
          0);
      discardInbound = true;
      out.control(new Connection.Entry(Connection.Kind.CLOSE, null, false, cause, 0));
      terminate(cause);
    }
  }

  /** Marks this side closed and reports it; lock held. */
  void terminate(LinkException cause, boolean discard) {
    discardInbound |= discard;
    terminate(cause);
  }

  /** Marks this side closed and reports it; lock held. */
  void terminate(LinkException cause) {
    if (!open) {
      return;
    }
    open = false;
    pending.clear();
    lastWritable = false;
    if (!openPosted) {
      closedPosted = true; // the owner never saw this link open, so it hears nothing of its end
    }
    post(() -> guarded("onClosed", () -> handler.onClosed(this, cause)), true);
    if (clientLink != null) {
      clientLink.linkClosed(this);
    }
    conn.endpointClosed();
  }

  /** A frame arrived from the peer; lock held. */
  void arrive(Connection.Entry e) {
    long now = conn.net.scheduler.nanoTime();
    switch (e.kind) {
      case OPEN -> {
        if (!open) {
          return;
        }
        conn.net.trace.record(now, "open " + id + " peer=" + peer.stage(), 0);
        if (clientLink != null) {
          clientLink.opened(this);
        }
        postOpen();
      }
      case MESSAGE -> {
        if (!open) {
          return;
        }
        conn.net.trace.record(
            now,
            "deliver " + id + " seq=" + e.message.getSeq() + " " + e.message.getBodyCase(),
            DeliveryTrace.hashBytes(e.message.toByteArray()));
        Envelope msg = e.message;
        boolean creditBearing = e.creditBearing;
        post(
            () -> {
              guarded("onMessage", () -> handler.onMessage(this, msg));
              if (creditBearing) {
                synchronized (conn.net.lock) {
                  if (open) {
                    out.control(new Connection.Entry(Connection.Kind.CREDIT, null, false, null, 1));
                  }
                }
              }
            },
            false);
      }
      case CREDIT -> {
        if (!open) {
          return;
        }
        credits += e.credits;
        while (credits > 0 && !pending.isEmpty()) {
          credits--;
          out.transmit(pending.pollFirst());
          if (!open) {
            return;
          }
        }
        updateWritability();
      }
      case CLOSE -> {
        conn.net.trace.record(now, "closed-by-peer " + id, 0);
        terminate(e.cause);
      }
    }
  }

  /** Reports the open on the server side right away; lock held. */
  void postOpen() {
    openPosted = true;
    post(() -> guarded("onOpen", () -> handler.onOpen(this)), true);
  }

  private void updateWritability() {
    boolean w = writable();
    if (w && !lastWritable) {
      post(
          () -> {
            if (isOpen()) {
              guarded("onWritable", () -> handler.onWritable(this));
            }
          },
          false);
    }
    lastWritable = w;
  }

  /** Runs one handler callback; a handler that throws is logged, the link carries on. */
  private void guarded(String callback, Runnable call) {
    try {
      call.run();
    } catch (RuntimeException e) {
      log.error("{} of {} failed", callback, id, e);
    }
  }

  /**
   * Queues a callback. Callbacks posted after the close callback, callbacks still queued when this
   * side closed the link itself (or it was reset), and any callback of a crashed transport are
   * dropped; on an orderly close by the peer, messages that arrived before it are still delivered.
   * {@code always} marks the open and close callbacks, which are never discarded (a handler sees
   * open, then close).
   */
  private void post(Runnable callback, boolean always) {
    if (closedPosted) {
      return;
    }
    if (always && !open) {
      closedPosted = true; // this is the close callback
    }
    events.post(
        () -> {
          if (transport.isCrashed()) {
            return;
          }
          if (!always) {
            synchronized (conn.net.lock) {
              if (discardInbound) {
                return; // closed by this side meanwhile: the close callback is the last one
              }
            }
          }
          callback.run();
        });
  }
}
