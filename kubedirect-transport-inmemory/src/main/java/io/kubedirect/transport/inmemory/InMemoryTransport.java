package io.kubedirect.transport.inmemory;

import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.ExponentialBackoffPolicy;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.PeerIdentity;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link Transport} without sockets: the links of one stage on an {@link InMemoryNetwork}. Create
 * one per stage with {@link InMemoryNetwork#transport(String)} or {@link #builder(InMemoryNetwork,
 * String)}.
 *
 * <p>It keeps the SPI contract of a real transport: a version exchange before {@code onOpen} on
 * both sides (the acceptor sees {@code onOpen} one network latency before the dialler), per-link
 * FIFO delivery, credit flow control with a bounded outbound queue ({@link ErrorCode#OVERLOADED}
 * when full), orderly and error closes that reach the peer after the messages sent before them, and
 * {@link ClientLink}s that reconnect with backoff. Peer identities are the claimed stage name
 * (unverified) unless a stage is given a simulated certificate with {@link
 * Builder#certificate(String)}. The network's {@link FaultInjector} can break any of these
 * guarantees on purpose; see {@link FaultSpec}.
 *
 * <p>As in {@code docs/protocol.md}, the {@code destination} passed to {@link #connect} must name
 * the acceptor's stage (empty, equal, or a {@code /}-refinement either way); otherwise the attempt
 * fails with {@link ErrorCode#NOT_FOUND} ({@link ErrorCode#UNAUTHORIZED} when the acceptor has a
 * certificate) and the client retries with backoff. {@link Builder#verifyDestination(boolean)}
 * turns the check off.
 */
public final class InMemoryTransport implements Transport {

  private final InMemoryNetwork net;
  private final String stageName;
  private final String instance;
  private final PeerIdentity identity;
  private final boolean requireVerifiedPeers;
  private final boolean verifyDestination;
  private final int protocolMajor;
  private final int protocolMinor;
  private final int initialCredits;
  private final int maxQueuedMessages;
  private final int highWatermark;
  private final BackoffPolicy.Provider backoff;

  // Guarded by the network lock.
  private final Set<InMemoryLinkServer> servers = new LinkedHashSet<>();
  private final Set<InMemoryClientLink> clients = new LinkedHashSet<>();
  private boolean closed;
  private volatile boolean crashed;

  private InMemoryTransport(Builder b) {
    this.net = b.net;
    this.stageName = b.stageName;
    this.instance = b.instance != null ? b.instance : b.stageName;
    this.identity =
        b.subject == null
            ? PeerIdentity.unverified(b.stageName)
            : new PeerIdentity(b.stageName, true, b.subject);
    this.requireVerifiedPeers = b.requireVerifiedPeers;
    this.verifyDestination = b.verifyDestination;
    this.protocolMajor = b.protocolMajor;
    this.protocolMinor = b.protocolMinor;
    this.initialCredits = b.initialCredits;
    this.maxQueuedMessages = b.maxQueuedMessages;
    this.highWatermark = b.highWatermark;
    this.backoff =
        b.backoff != null
            ? b.backoff
            : ExponentialBackoffPolicy.provider(
                Duration.ofMillis(50), Duration.ofSeconds(2), 1.6, 0.2, net.newRandom());
  }

  /** A builder for a transport of stage {@code stageName} on {@code network}. */
  public static Builder builder(InMemoryNetwork network, String stageName) {
    return new Builder(network, stageName);
  }

  /** This transport's stage name (what it claims in its Hello). */
  @Override
  public String stageName() {
    return stageName;
  }

  /**
   * The name of this instance in fault rules and the trace (several instances of one stage, e.g.
   * one sandbox manager per node, share a stage name); defaults to the stage name.
   */
  public String instance() {
    return instance;
  }

  /**
   * Whether {@code name} (a fault-rule pattern) designates this transport: its instance, stage, or
   * "*".
   */
  boolean isNamed(String name) {
    return name.equals("*") || name.equals(instance) || name.equals(stageName);
  }

  /** The identity peers see for this stage. */
  public PeerIdentity identity() {
    return identity;
  }

  /** The network this transport lives on. */
  public InMemoryNetwork network() {
    return net;
  }

  int protocolMajor() {
    return protocolMajor;
  }

  int protocolMinor() {
    return protocolMinor;
  }

  int initialCredits() {
    return initialCredits;
  }

  int maxQueuedMessages() {
    return maxQueuedMessages;
  }

  int highWatermark() {
    return highWatermark;
  }

  boolean requireVerifiedPeers() {
    return requireVerifiedPeers;
  }

  boolean verifyDestination() {
    return verifyDestination;
  }

  BackoffPolicy.Provider backoff() {
    return backoff;
  }

  /** Whether {@link #crash()} was called. */
  public boolean isCrashed() {
    return crashed;
  }

  @Override
  public LinkServer listen(PeerAddress address, LinkHandler handler) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(handler, "handler");
    synchronized (net.lock) {
      if (closed) {
        throw new TransportException("transport " + stageName + " is closed");
      }
      InMemoryLinkServer server = net.bind(this, address, handler);
      servers.add(server);
      return server;
    }
  }

  @Override
  public ClientLink connect(PeerAddress address, String destination, LinkHandler handler) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(handler, "handler");
    InMemoryClientLink link;
    synchronized (net.lock) {
      if (closed) {
        throw new TransportException("transport " + stageName + " is closed");
      }
      link = new InMemoryClientLink(net, this, address, destination, handler);
      clients.add(link);
      link.start();
    }
    return link;
  }

  void forget(InMemoryLinkServer server) {
    servers.remove(server);
  }

  void forget(InMemoryClientLink client) {
    clients.remove(client);
  }

  /** Closes every server, client link and accepted link in order (peers see an orderly close). */
  @Override
  public void close() {
    synchronized (net.lock) {
      if (closed) {
        return;
      }
      closed = true;
      new ArrayList<>(clients).forEach(InMemoryClientLink::close);
      new ArrayList<>(servers).forEach(InMemoryLinkServer::close);
      for (Connection c : net.connectionsOf(this)) {
        (c.client.transport == this ? c.client : c.server).close();
      }
    }
  }

  /**
   * Simulates the process dying: from now on this transport's handlers get no callback at all, its
   * addresses are free again, and every peer sees its links reset ({@link ErrorCode#INTERNAL}) with
   * the messages in flight lost. Idempotent.
   */
  public void crash() {
    synchronized (net.lock) {
      if (crashed) {
        return;
      }
      crashed = true;
      closed = true;
      net.trace.record(net.scheduler.nanoTime(), "crash " + instance, 0);
      List<InMemoryClientLink> cs = new ArrayList<>(clients);
      List<InMemoryLinkServer> ss = new ArrayList<>(servers);
      for (Connection c : net.connectionsOf(this)) {
        c.kill(
            new LinkException(ErrorCode.INTERNAL, "connection reset: " + stageName + " crashed"));
      }
      cs.forEach(InMemoryClientLink::close);
      ss.forEach(InMemoryLinkServer::close);
    }
  }

  /** Builds an {@link InMemoryTransport}; {@link #build()} validates. */
  public static final class Builder {
    private final InMemoryNetwork net;
    private final String stageName;
    private String instance;
    private String subject;
    private boolean requireVerifiedPeers;
    private boolean verifyDestination = true;
    private int protocolMajor = Transport.PROTOCOL_MAJOR;
    private int protocolMinor = Transport.PROTOCOL_MINOR;
    private int initialCredits = 256;
    private int maxQueuedMessages = 4096;
    private int highWatermark = 4096;
    private BackoffPolicy.Provider backoff;

    private Builder(InMemoryNetwork net, String stageName) {
      this.net = Objects.requireNonNull(net, "network");
      this.stageName = stageName;
    }

    /** The name of this instance in fault rules and the trace (default: the stage name). */
    public Builder instance(String name) {
      this.instance = name;
      return this;
    }

    /** Presents a simulated certificate: peers see a verified identity with this subject. */
    public Builder certificate(String subject) {
      this.subject = subject;
      return this;
    }

    /** Refuses peers without a (simulated) certificate, like mTLS with client auth required. */
    public Builder requireVerifiedPeers(boolean require) {
      this.requireVerifiedPeers = require;
      return this;
    }

    /** Whether a dialled destination must name the acceptor's stage (default true). */
    public Builder verifyDestination(boolean verify) {
      this.verifyDestination = verify;
      return this;
    }

    /** The protocol major version this stage speaks (to test {@code UNSUPPORTED_VERSION}). */
    public Builder protocolMajor(int major) {
      this.protocolMajor = major;
      return this;
    }

    /**
     * The protocol minor version this stage announces (default {@link Transport#PROTOCOL_MINOR}); a
     * link speaks the lower minor of its two ends. Lower values test a rolling upgrade against an
     * older release.
     */
    public Builder protocolMinor(int minor) {
      this.protocolMinor = minor;
      return this;
    }

    /**
     * Credits granted to each peer in the Hello (how many messages it may send before a Credit;
     * default 256).
     */
    public Builder initialCredits(int credits) {
      this.initialCredits = credits;
      return this;
    }

    /**
     * Outbound messages held while out of credit before {@code send} fails with OVERLOADED (default
     * 4096).
     */
    public Builder maxQueuedMessages(int max) {
      this.maxQueuedMessages = max;
      return this;
    }

    /**
     * Queued messages at which a link reports not writable even with credit (default: the queue
     * bound; a link is never writable without credit).
     */
    public Builder highWatermark(int messages) {
      this.highWatermark = messages;
      return this;
    }

    /** The reconnect backoff; default 50 ms x1.6 up to 2 s, +-20 %, seeded from the network. */
    public Builder backoff(BackoffPolicy.Provider provider) {
      this.backoff = provider;
      return this;
    }

    /** Validates and builds. */
    public InMemoryTransport build() {
      if (stageName == null || stageName.isBlank()) {
        throw new IllegalStateException("stageName must not be blank");
      }
      if (instance != null && instance.isBlank()) {
        throw new IllegalStateException("instance must not be blank");
      }
      if (subject != null && subject.isBlank()) {
        throw new IllegalStateException("certificate subject must not be blank");
      }
      if (initialCredits < 1) {
        throw new IllegalStateException("initialCredits must be >= 1, got " + initialCredits);
      }
      if (maxQueuedMessages < 1) {
        throw new IllegalStateException("maxQueuedMessages must be >= 1, got " + maxQueuedMessages);
      }
      if (highWatermark < 1 || highWatermark > maxQueuedMessages) {
        throw new IllegalStateException(
            "need 1 <= highWatermark <= maxQueuedMessages, got " + highWatermark);
      }
      if (protocolMajor < 0) {
        throw new IllegalStateException("protocolMajor must be >= 0");
      }
      if (protocolMinor < 0) {
        throw new IllegalStateException("protocolMinor must be >= 0");
      }
      return new InMemoryTransport(this);
    }
  }
}
