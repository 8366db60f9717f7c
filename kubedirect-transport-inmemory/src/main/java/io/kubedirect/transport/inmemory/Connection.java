package io.kubedirect.transport.inmemory;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.LinkException;
import java.time.Duration;
import java.util.LinkedList;
import java.util.ListIterator;
import java.util.Random;

/**
 * One in-memory connection: two {@link Endpoint}s and the two {@link Wire}s between them. All state
 * is guarded by the network lock.
 */
final class Connection {

  final InMemoryNetwork net;
  final String id;
  final Endpoint client;
  final Endpoint server;
  final InMemoryLinkServer acceptor;

  /** Partitioned: messages vanish until the heartbeat timeout kills the connection. */
  boolean blackholed;

  boolean dead;

  Connection(
      InMemoryNetwork net, String id, InMemoryClientLink dialer, InMemoryLinkServer acceptor) {
    this.net = net;
    this.id = id;
    this.acceptor = acceptor;
    InMemoryTransport ct = dialer.transport;
    InMemoryTransport st = acceptor.transport;
    this.client =
        new Endpoint(
            this,
            id + "/c",
            true,
            ct,
            dialer.handler,
            dialer.events,
            dialer,
            st.identity(),
            st.initialCredits());
    this.server =
        new Endpoint(
            this,
            id + "/s",
            false,
            st,
            acceptor.handler,
            new SerialExecutor(net.scheduler),
            null,
            ct.identity(),
            ct.initialCredits());
    client.out = new Wire(client, server);
    server.out = new Wire(server, client);
  }

  Endpoint other(Endpoint e) {
    return e == client ? server : client;
  }

  boolean between(String a, String b) {
    InMemoryTransport c = client.transport;
    InMemoryTransport s = server.transport;
    return (c.isNamed(a) && s.isNamed(b)) || (s.isNamed(a) && c.isNamed(b));
  }

  boolean involves(InMemoryTransport t) {
    return client.transport == t || server.transport == t;
  }

  /** Resets the connection: in-flight messages are lost, both sides see {@code cause}. */
  void kill(LinkException cause) {
    if (dead) {
      return;
    }
    net.trace.record(net.scheduler.nanoTime(), "kill " + id + " " + cause.getMessage(), 0);
    client.out.entries.clear();
    server.out.entries.clear();
    client.terminate(cause, true);
    server.terminate(cause, true);
  }

  /**
   * A half-open connection: the dialling side sees a reset now (and reconnects), while the
   * accepting side keeps the connection, still receives the frames already in flight towards it,
   * and notices the reset only after {@code detectionNanos} (its heartbeat timeout). Old messages
   * can thus arrive at the acceptor after the dialler has opened a new connection.
   */
  void halfOpen(LinkException cause, long detectionNanos) {
    if (dead || !client.open) {
      return;
    }
    net.trace.record(net.scheduler.nanoTime(), "half-open " + id + " " + cause.getMessage(), 0);
    server.out.entries.clear(); // towards the dead dialler: lost
    client.terminate(cause, true);
    net.scheduler.schedule(
        () -> {
          synchronized (net.lock) {
            if (server.open) {
              net.trace.record(net.scheduler.nanoTime(), "half-open-detected " + id, 0);
              client.out.entries.clear();
              server.terminate(cause, true);
            }
          }
        },
        Duration.ofNanos(detectionNanos));
  }

  void endpointClosed() {
    if (!client.open && !server.open && !dead) {
      dead = true;
      net.connectionGone(this);
    }
  }

  /** What travels on a wire. */
  enum Kind {
    OPEN,
    MESSAGE,
    CREDIT,
    CLOSE
  }

  /** One frame in flight. */
  static final class Entry {
    final Kind kind;
    final Envelope message;
    final boolean creditBearing;
    final LinkException cause;
    final int credits;
    long deliverAt;

    Entry(Kind kind, Envelope message, boolean creditBearing, LinkException cause, int credits) {
      this.kind = kind;
      this.message = message;
      this.creditBearing = creditBearing;
      this.cause = cause;
      this.credits = credits;
    }
  }

  /** One direction of the connection: frames in flight, FIFO unless reordering is injected. */
  final class Wire {
    final Endpoint from;
    final Endpoint to;
    final LinkedList<Entry> entries = new LinkedList<>();
    long lastDeliverAt;

    Wire(Endpoint from, Endpoint to) {
      this.from = from;
      this.to = to;
    }

    /**
     * Sends a transport-level frame (never subject to message faults, lost only with the
     * connection).
     */
    void control(Entry e) {
      if (dead) {
        return;
      }
      append(e, net.latencyNanos);
    }

    /** Sends a link-level message, applying the configured faults. */
    void transmit(Envelope message) {
      long now = net.scheduler.nanoTime();
      FaultSpec spec = net.faults.specFor(from.transport, to.transport);
      if (blackholed) {
        net.trace.record(now, "lost(partition) " + tag(message), 0);
        return;
      }
      Random r = net.random;
      if (spec.dropProbability() > 0 && r.nextDouble() < spec.dropProbability()) {
        net.trace.record(now, "drop " + tag(message), 0);
        if (spec.dropKillsLink()) {
          kill(new LinkException(ErrorCode.INTERNAL, "connection reset (injected drop)"));
        } else {
          // The network lost it, but flow control must not leak: hand the credit back.
          to.out.control(new Entry(Kind.CREDIT, null, false, null, 1));
        }
        return;
      }
      Entry e = new Entry(Kind.MESSAGE, message, true, null, 0);
      long delay = net.latencyNanos + extraDelay(spec, r);
      if (spec.reorderProbability() > 0 && r.nextDouble() < spec.reorderProbability()) {
        int overtake = 1 + r.nextInt(spec.reorderWindow());
        insertOvertaking(e, now + delay, overtake);
      } else {
        append(e, delay);
      }
      if (spec.duplicateProbability() > 0 && r.nextDouble() < spec.duplicateProbability()) {
        net.trace.record(now, "duplicate " + tag(message), 0);
        append(
            new Entry(Kind.MESSAGE, message, false, null, 0),
            net.latencyNanos + extraDelay(spec, r));
      }
    }

    /** How a fault event names the message in the trace (built only when a fault fires). */
    private String tag(Envelope message) {
      return from.id + " seq=" + message.getSeq() + " " + message.getBodyCase();
    }

    private long extraDelay(FaultSpec spec, Random r) {
      long min = spec.minExtraDelay().toNanos();
      long max = spec.maxExtraDelay().toNanos();
      return max > min ? min + (long) (r.nextDouble() * (max - min)) : min;
    }

    private void append(Entry e, long delayNanos) {
      long now = net.scheduler.nanoTime();
      e.deliverAt = Math.max(now + delayNanos, lastDeliverAt);
      lastDeliverAt = e.deliverAt;
      entries.addLast(e);
      schedulePump(e.deliverAt - now);
    }

    private void insertOvertaking(Entry e, long deliverAt, int overtake) {
      // Walk back over at most `overtake` in-flight messages; never before an OPEN (or a CLOSE).
      ListIterator<Entry> it = entries.listIterator(entries.size());
      int passed = 0;
      while (it.hasPrevious() && passed < overtake) {
        Entry prev = it.previous();
        if (prev.kind == Kind.OPEN || prev.kind == Kind.CLOSE) {
          it.next();
          break;
        }
        if (prev.kind == Kind.MESSAGE) {
          passed++;
        }
      }
      e.deliverAt = deliverAt;
      it.add(e);
      if (passed > 0) {
        net.trace.record(net.scheduler.nanoTime(), "reorder(" + passed + ") " + tag(e.message), 0);
      }
      lastDeliverAt = Math.max(lastDeliverAt, deliverAt);
      schedulePump(deliverAt - net.scheduler.nanoTime());
    }

    private void schedulePump(long delayNanos) {
      net.scheduler.schedule(this::pump, Duration.ofNanos(Math.max(0, delayNanos)));
    }

    private void pump() {
      synchronized (net.lock) {
        long now = net.scheduler.nanoTime();
        while (!entries.isEmpty() && entries.getFirst().deliverAt <= now) {
          to.arrive(entries.removeFirst());
        }
      }
    }
  }
}
