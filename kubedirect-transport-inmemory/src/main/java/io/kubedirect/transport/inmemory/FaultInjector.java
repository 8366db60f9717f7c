package io.kubedirect.transport.inmemory;

import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Faults of an {@link InMemoryNetwork}, on command or by policy. A name in a rule matches a
 * transport whose {@link InMemoryTransport#instance()} or {@link InMemoryTransport#stageName()} it
 * equals; {@code "*"} matches every transport. Link policies apply to both directions between two
 * stages and take precedence over the global one.
 *
 * <p>A partition makes the connections between two stages silently lose every message until the
 * network's partition-detection timeout (a missed heartbeat) resets them; new connections time out
 * until {@link #heal}. Healing does not revive a partitioned connection: the messages it lost are
 * gone, so it is reset as it would be by a real heartbeat timeout.
 */
public final class FaultInjector {

  private final InMemoryNetwork net;
  // Guarded by the network lock.
  private FaultSpec global = FaultSpec.NONE;
  private final Map<Pair, FaultSpec> perLink = new LinkedHashMap<>();
  private final Set<Pair> partitions = new LinkedHashSet<>();

  FaultInjector(InMemoryNetwork net) {
    this.net = net;
  }

  /** Applies {@code spec} to every link without its own policy. */
  public FaultInjector setGlobal(FaultSpec spec) {
    synchronized (net.lock) {
      global = Objects.requireNonNull(spec, "spec");
    }
    return this;
  }

  /** Applies {@code spec} to the links between stages {@code a} and {@code b} (both directions). */
  public FaultInjector setLink(String a, String b, FaultSpec spec) {
    synchronized (net.lock) {
      perLink.put(new Pair(a, b), Objects.requireNonNull(spec, "spec"));
    }
    return this;
  }

  /** Removes the policy of the links between {@code a} and {@code b}. */
  public FaultInjector clearLink(String a, String b) {
    synchronized (net.lock) {
      perLink.remove(new Pair(a, b));
    }
    return this;
  }

  /** Removes every policy and heals every partition: the network behaves like TCP again. */
  public FaultInjector clearAll() {
    synchronized (net.lock) {
      global = FaultSpec.NONE;
      perLink.clear();
      partitions.clear();
    }
    return this;
  }

  /** Cuts stages {@code a} and {@code b} off from each other (either may be {@code "*"}). */
  public FaultInjector partition(String a, String b) {
    synchronized (net.lock) {
      Pair p = new Pair(a, b);
      if (!partitions.add(p)) {
        return this;
      }
      net.trace.record(net.scheduler.nanoTime(), "partition " + p, 0);
      for (Connection c : net.connectionsBetween(a, b)) {
        if (!c.blackholed) {
          c.blackholed = true;
          net.scheduler.schedule(
              () -> {
                synchronized (net.lock) {
                  c.kill(new LinkException(ErrorCode.INTERNAL, "heartbeat timeout (partition)"));
                }
              },
              Duration.ofNanos(net.partitionDetectionNanos));
        }
      }
    }
    return this;
  }

  /** Ends the partition between {@code a} and {@code b}; new connections succeed again. */
  public FaultInjector heal(String a, String b) {
    synchronized (net.lock) {
      if (partitions.remove(new Pair(a, b))) {
        net.trace.record(net.scheduler.nanoTime(), "heal " + new Pair(a, b), 0);
      }
    }
    return this;
  }

  /** Whether stages {@code a} and {@code b} are partitioned. */
  public boolean isPartitioned(String a, String b) {
    synchronized (net.lock) {
      for (Pair p : partitions) {
        if (p.matches(a, b)) {
          return true;
        }
      }
      return false;
    }
  }

  /** Resets every connection between {@code a} and {@code b} now; returns how many. */
  public int killLinks(String a, String b) {
    synchronized (net.lock) {
      List<Connection> cs = net.connectionsBetween(a, b);
      cs.forEach(c -> c.kill(new LinkException(ErrorCode.INTERNAL, "connection reset (injected)")));
      return cs.size();
    }
  }

  /**
   * Makes the connections between {@code a} and {@code b} half-open: each dialling side sees a
   * reset now and reconnects; each accepting side still receives what was in flight and notices the
   * reset only after the partition-detection timeout. Returns how many connections were affected.
   */
  public int halfOpen(String a, String b) {
    synchronized (net.lock) {
      List<Connection> cs = net.connectionsBetween(a, b);
      cs.forEach(
          c ->
              c.halfOpen(
                  new LinkException(ErrorCode.INTERNAL, "connection reset (half-open)"),
                  net.partitionDetectionNanos));
      return cs.size();
    }
  }

  /** Resets the connection of {@code link} now. */
  public void kill(Link link) {
    if (!(link instanceof Endpoint e)) {
      throw new IllegalArgumentException("not an in-memory link: " + link);
    }
    synchronized (net.lock) {
      e.conn.kill(new LinkException(ErrorCode.INTERNAL, "connection reset (injected)"));
    }
  }

  /** Resets every connection of the network now; returns how many. */
  public int killAll() {
    synchronized (net.lock) {
      List<Connection> cs = new ArrayList<>(net.allConnections());
      cs.forEach(c -> c.kill(new LinkException(ErrorCode.INTERNAL, "connection reset (injected)")));
      return cs.size();
    }
  }

  /** The policy for messages between two transports; lock held. */
  FaultSpec specFor(InMemoryTransport from, InMemoryTransport to) {
    for (Map.Entry<Pair, FaultSpec> e : perLink.entrySet()) {
      if (e.getKey().matches(from, to)) {
        return e.getValue();
      }
    }
    return global;
  }

  /** Whether two transports are partitioned; lock held. */
  boolean isPartitioned(InMemoryTransport x, InMemoryTransport y) {
    for (Pair p : partitions) {
      if (p.matches(x, y)) {
        return true;
      }
    }
    return false;
  }

  /** An unordered pair of stage names, {@code "*"} matching any. */
  private record Pair(String a, String b) {
    Pair {
      Objects.requireNonNull(a, "a");
      Objects.requireNonNull(b, "b");
      if (a.compareTo(b) > 0) {
        String t = a;
        a = b;
        b = t;
      }
    }

    boolean matches(String x, String y) {
      return (m(a, x) && m(b, y)) || (m(a, y) && m(b, x));
    }

    boolean matches(InMemoryTransport x, InMemoryTransport y) {
      return (x.isNamed(a) && y.isNamed(b)) || (x.isNamed(b) && y.isNamed(a));
    }

    private static boolean m(String pattern, String stage) {
      return pattern.equals("*") || pattern.equals(stage);
    }

    @Override
    public String toString() {
      return a + "<->" + b;
    }
  }
}
