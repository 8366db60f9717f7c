package io.kubedirect.transport.inmemory;

import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.LinkRules;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TaskScheduler;
import io.kubedirect.transport.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * The shared medium of a test or simulation: an address registry, the connections between {@link
 * InMemoryTransport}s, a {@link FaultInjector} and a {@link DeliveryTrace}. Every delivery and
 * timer goes through one {@link TaskScheduler}: a real one for ordinary tests, a {@link
 * DeterministicTaskScheduler} for replayable runs (then all randomness comes from its seed).
 *
 * <p>Addresses are {@code PeerAddress(name, port)}; listening on port 0 picks the next free port
 * for that name, starting at 40000.
 */
public final class InMemoryNetwork {

  /** First port handed out for port 0. */
  public static final int FIRST_EPHEMERAL_PORT = 40_000;

  final Object lock = new Object();
  final TaskScheduler scheduler;
  final Random random;
  final long latencyNanos;
  final long partitionDetectionNanos;
  final DeliveryTrace trace;
  final FaultInjector faults;

  private final Map<PeerAddress, InMemoryLinkServer> servers = new LinkedHashMap<>();
  private final Map<String, Integer> nextPort = new HashMap<>();
  private final Set<Connection> connections = new LinkedHashSet<>();
  private long connectionIds;

  private InMemoryNetwork(Builder b) {
    this.scheduler = b.scheduler;
    this.random =
        b.random != null
            ? b.random
            : b.scheduler instanceof DeterministicTaskScheduler d ? d.newRandom() : new Random(0);
    this.latencyNanos = b.latency.toNanos();
    this.partitionDetectionNanos = b.partitionDetection.toNanos();
    this.trace = new DeliveryTrace(b.traceRetained);
    this.faults = new FaultInjector(this);
  }

  /** A builder of a network that runs on {@code scheduler}. */
  public static Builder builder(TaskScheduler scheduler) {
    return new Builder(scheduler);
  }

  /** A transport for {@code stageName} with default settings. */
  public InMemoryTransport transport(String stageName) {
    return InMemoryTransport.builder(this, stageName).build();
  }

  /** Fault injection on command and by policy. */
  public FaultInjector faults() {
    return faults;
  }

  /** The trace of everything this network did. */
  public DeliveryTrace trace() {
    return trace;
  }

  /** The scheduler deliveries run on. */
  public TaskScheduler scheduler() {
    return scheduler;
  }

  /** Connections with at least one side still open. */
  public int openConnections() {
    synchronized (lock) {
      return connections.size();
    }
  }

  /** A random derived from the network's seed (for backoff jitter and similar). */
  Random newRandom() {
    synchronized (lock) {
      return new Random(random.nextLong());
    }
  }

  // ---- package-private machinery, lock held unless noted ----

  InMemoryLinkServer bind(
      InMemoryTransport t, PeerAddress requested, io.kubedirect.transport.LinkHandler h) {
    PeerAddress address = requested;
    if (requested.port() == 0) {
      int port = nextPort.getOrDefault(requested.host(), FIRST_EPHEMERAL_PORT);
      while (servers.containsKey(new PeerAddress(requested.host(), port))) {
        port++;
        if (port > 65_535) {
          throw new TransportException("no free in-memory port for " + requested.host());
        }
      }
      nextPort.put(requested.host(), port + 1);
      address = new PeerAddress(requested.host(), port);
    } else if (servers.containsKey(requested)) {
      throw new TransportException("address in use: " + requested);
    }
    InMemoryLinkServer server = new InMemoryLinkServer(this, t, address, h);
    servers.put(address, server);
    trace.record(scheduler.nanoTime(), "listen " + t.instance() + " " + address, 0);
    return server;
  }

  void unbind(InMemoryLinkServer server) {
    servers.remove(server.address, server);
    trace.record(
        scheduler.nanoTime(), "unlisten " + server.transport.instance() + " " + server.address, 0);
  }

  List<Connection> connectionsOf(InMemoryTransport t) {
    List<Connection> out = new ArrayList<>();
    for (Connection c : connections) {
      if (c.involves(t)) {
        out.add(c);
      }
    }
    return out;
  }

  List<Connection> connectionsBetween(String a, String b) {
    List<Connection> out = new ArrayList<>();
    for (Connection c : connections) {
      if (c.between(a, b)) {
        out.add(c);
      }
    }
    return out;
  }

  List<Connection> allConnections() {
    return new ArrayList<>(connections);
  }

  void connectionGone(Connection c) {
    connections.remove(c);
    c.acceptor.accepted.remove(c);
  }

  /**
   * Starts a connection attempt: the Hello reaches the acceptor after one latency; a refusal comes
   * back after another one (a partition makes the attempt time out instead).
   */
  void dial(InMemoryClientLink dialer) {
    scheduler.schedule(
        () -> {
          synchronized (lock) {
            helloArrives(dialer);
          }
        },
        Duration.ofNanos(latencyNanos));
  }

  private void helloArrives(InMemoryClientLink dialer) {
    if (dialer.isClosed() || dialer.transport.isCrashed()) {
      return;
    }
    InMemoryLinkServer server = servers.get(dialer.address);
    String from = dialer.transport.instance();
    if (server != null && faults.isPartitioned(dialer.transport, server.transport)) {
      failLater(dialer, "connect timeout (partitioned)", partitionDetectionNanos);
      return;
    }
    if (server == null) {
      failLater(dialer, "connection refused", latencyNanos);
      return;
    }
    InMemoryTransport st = server.transport;
    InMemoryTransport ct = dialer.transport;
    if (ct.protocolMajor() != st.protocolMajor()) {
      failLater(
          dialer,
          ErrorCode.UNSUPPORTED_VERSION
              + ": acceptor speaks "
              + st.protocolMajor()
              + ", dialler "
              + ct.protocolMajor(),
          latencyNanos);
      return;
    }
    if (st.requireVerifiedPeers() && !ct.identity().verified()) {
      failLater(dialer, ErrorCode.UNAUTHORIZED + ": acceptor requires a certificate", latencyNanos);
      return;
    }
    if (ct.requireVerifiedPeers() && !st.identity().verified()) {
      failLater(dialer, ErrorCode.UNAUTHORIZED + ": acceptor has no certificate", latencyNanos);
      return;
    }
    if (ct.verifyDestination() && !LinkRules.serves(st.stageName(), dialer.destination)) {
      ErrorCode code = st.identity().verified() ? ErrorCode.UNAUTHORIZED : ErrorCode.NOT_FOUND;
      failLater(
          dialer,
          code + ": reached " + st.stageName() + ", expected " + dialer.destination,
          latencyNanos);
      return;
    }
    Connection c =
        new Connection(
            this, "mem-" + (++connectionIds) + ":" + from + "->" + st.instance(), dialer, server);
    connections.add(c);
    server.accepted.add(c);
    dialer.established(c.client);
    trace.record(scheduler.nanoTime(), "accept " + c.id + " dest=" + dialer.destination, 0);
    c.server.postOpen();
    // The HelloAck travels back; the dialler's onOpen comes first on that wire, before any message.
    c.server.out.control(new Connection.Entry(Connection.Kind.OPEN, null, false, null, 0));
  }

  private void failLater(InMemoryClientLink dialer, String reason, long delayNanos) {
    scheduler.schedule(
        () -> {
          synchronized (lock) {
            dialer.attemptFailed(reason);
          }
        },
        Duration.ofNanos(delayNanos));
  }

  /** Builds an {@link InMemoryNetwork}; {@link #build()} validates. */
  public static final class Builder {
    private final TaskScheduler scheduler;
    private Random random;
    private Duration latency = Duration.ZERO;
    private Duration partitionDetection = Duration.ofMillis(300);
    private int traceRetained = 200;

    private Builder(TaskScheduler scheduler) {
      this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    }

    /**
     * Seeds fault decisions and backoff jitter (default: derived from a deterministic scheduler,
     * else 0).
     */
    public Builder seed(long seed) {
      this.random = new Random(seed);
      return this;
    }

    /** One-way latency of every frame (default 0). */
    public Builder latency(Duration latency) {
      this.latency = latency;
      return this;
    }

    /** How long a partitioned connection lives before its heartbeat times out (default 300 ms). */
    public Builder partitionDetection(Duration timeout) {
      this.partitionDetection = timeout;
      return this;
    }

    /**
     * How many recent trace events are kept as text (default 200; 0 keeps none, the hash still
     * covers all).
     */
    public Builder traceRetained(int events) {
      this.traceRetained = events;
      return this;
    }

    /** Validates and builds. */
    public InMemoryNetwork build() {
      if (latency == null || latency.isNegative()) {
        throw new IllegalStateException("latency must be >= 0");
      }
      if (partitionDetection == null || partitionDetection.isNegative()) {
        throw new IllegalStateException("partitionDetection must be >= 0");
      }
      if (traceRetained < 0) {
        throw new IllegalStateException("traceRetained must be >= 0");
      }
      return new InMemoryNetwork(this);
    }
  }
}
