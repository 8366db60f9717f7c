package io.kubedirect.transport.netty;

import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.ExponentialBackoffPolicy;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.TransportException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link Transport}: Netty 4.2 over io_uring, epoll or NIO, length-prefixed protobuf
 * frames, TLS 1.3 with mutual authentication (or plaintext on loopback), credit-based flow control,
 * heartbeats and reconnecting client links. One instance per process; its threads are released by
 * {@link #close()}.
 *
 * <pre>{@code
 * Transport t = NettyTransport.builder().stageName("scheduler").plaintextOnLoopback().build();
 * }</pre>
 */
public final class NettyTransport implements Transport {

  private static final Logger log = LoggerFactory.getLogger(NettyTransport.class);

  private final LinkSettings settings;
  private final boolean plaintext;
  private final boolean plaintextAnywhere;
  private final BackoffPolicy.Provider backoff;
  private final LinkMetrics metrics;
  private final TlsContexts tlsContexts;
  private final Admission admission;
  private final EventLoops loops;
  private final Bootstrap clientTemplate;
  private final WriteBufferWaterMark waterMark;
  private final Set<NettyLinkServer> servers = ConcurrentHashMap.newKeySet();
  private final Set<NettyClientLink> clients = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();

  private NettyTransport(Builder b) {
    this.plaintext = b.tls == null;
    this.plaintextAnywhere = b.plaintextAnywhere;
    this.backoff = b.backoff;
    this.metrics =
        new LinkMetrics(b.registry != null ? b.registry : new SimpleMeterRegistry(), b.stageName);
    this.tlsContexts =
        b.tls == null ? TlsContexts.fixed(null, null) : TlsContexts.of(b.tls, b.stageName, metrics);
    LinkSettings.Limits limits =
        new LinkSettings.Limits(
            b.maxConnections,
            b.maxConnectionsPerPeer,
            b.maxUnauthenticatedConnections,
            b.handshakeTimeout.toMillis(),
            b.maxQueuedBytesPerLink);
    this.settings =
        new LinkSettings(
            b.stageName,
            b.maxFrameBytes,
            b.initialCredits,
            b.outboundQueueBound,
            limits,
            b.heartbeat.toMillis(),
            tlsContexts,
            b.protocolMinor);
    this.admission = new Admission(limits, metrics);
    this.waterMark = new WriteBufferWaterMark(b.lowWaterMark, b.highWaterMark);
    this.loops = EventLoops.create(b.ioBackend, b.eventLoopThreads, b.stageName);
    if (b.tls != null) {
      log.info(
          "kubedirect transport for stage '{}' uses TLS 1.3 via {} (client auth {}{})",
          b.stageName,
          b.tls.effectiveProvider(),
          b.tls.clientAuthRequired() ? "required" : "optional",
          b.tls.files().isPresent()
              ? ", material from "
                  + b.tls.files().get().certificateChain().getParent()
                  + (b.tls.reloadInterval().isZero()
                      ? ""
                      : ", checked every " + b.tls.reloadInterval().toMillis() + " ms")
              : "");
      tlsContexts.start(loops.group.next());
    } else {
      log.warn(
          "kubedirect transport for stage '{}' is PLAINTEXT ({})",
          b.stageName,
          plaintextAnywhere ? "any address" : "loopback only");
    }
    this.clientTemplate =
        new Bootstrap()
            .group(loops.group)
            .channel(loops.channelClass)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(ChannelOption.SO_KEEPALIVE, true)
            .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) b.connectTimeout.toMillis())
            .option(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /** The I/O backend in use (never {@link IoBackend#AUTO}). */
  public IoBackend ioBackend() {
    return loops.backend;
  }

  /** Connection admission counters (tests). */
  Admission admission() {
    return admission;
  }

  /** The meter registry this transport reports to (a private one when none was configured). */
  public MeterRegistry meterRegistry() {
    return metrics.registry();
  }

  /** The stage name this transport announces in its Hello. */
  @Override
  public String stageName() {
    return settings.stageName();
  }

  @Override
  public LinkServer listen(PeerAddress address, LinkHandler handler) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(handler, "handler");
    checkUsable(address);
    if (settings.tls() && settings.serverSsl() == null) {
      throw new TransportException(
          "accepting TLS links needs a key and certificate chain in the TlsConfig");
    }
    NettyLinkServer server = new NettyLinkServer(servers::remove);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(loops.group)
            .channel(loops.serverChannelClass)
            .option(ChannelOption.SO_BACKLOG, 256)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childOption(ChannelOption.SO_KEEPALIVE, true)
            .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, waterMark)
            .childHandler(
                LinkChannelInitializer.server(
                    settings, metrics, handler, server::accepted, admission));
    ChannelFuture bind = bootstrap.bind(address.host(), address.port()).awaitUninterruptibly();
    if (!bind.isSuccess()) {
      throw new TransportException(
          "cannot listen on " + address + ": " + bind.cause().getMessage(), bind.cause());
    }
    server.bound(bind.channel(), address.host());
    servers.add(server);
    if (closed.get()) {
      server.close();
      throw new TransportException("transport is closed");
    }
    log.info("stage '{}' listening on {}", settings.stageName(), server.localAddress());
    return server;
  }

  @Override
  public ClientLink connect(PeerAddress address, String destination, LinkHandler handler) {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(destination, "destination");
    Objects.requireNonNull(handler, "handler");
    checkUsable(address);
    EventLoop loop = loops.group.next();
    NettyClientLink link =
        new NettyClientLink(
            address,
            destination,
            loop,
            clientTemplate,
            settings,
            metrics,
            backoff,
            handler,
            clients::remove);
    clients.add(link);
    link.start();
    return link;
  }

  private void checkUsable(PeerAddress address) {
    if (closed.get()) {
      throw new TransportException("transport is closed");
    }
    if (plaintext && !plaintextAnywhere && !address.isLoopback()) {
      throw new TransportException(
          "plaintext links are only allowed on loopback, not "
              + address
              + " (configure TLS, or allowPlaintextOnNonLoopback())");
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    tlsContexts.stop();
    for (NettyClientLink c : List.copyOf(clients)) {
      c.close();
    }
    for (NettyLinkServer s : List.copyOf(servers)) {
      s.close();
    }
    var termination = loops.group.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    boolean onOwnLoop = false;
    for (EventExecutor e : loops.group) {
      onOwnLoop |= e.inEventLoop();
    }
    if (!onOwnLoop) {
      termination.awaitUninterruptibly(5_000);
    }
    metrics.close();
  }

  /**
   * Builds a {@link NettyTransport}. {@link #build()} requires a stage name and either {@link
   * #tls(TlsConfig)} or an explicit plaintext choice.
   */
  public static final class Builder {
    private String stageName;
    private TlsConfig tls;
    private boolean plaintext;
    private boolean plaintextAnywhere;
    private int maxFrameBytes = LinkSettings.DEFAULT_MAX_FRAME_BYTES;
    private int initialCredits = 256;
    private int outboundQueueBound = 4096;
    private int lowWaterMark = 256 * 1024;
    private int highWaterMark = 1024 * 1024;
    private Duration heartbeat = Duration.ofSeconds(1);
    private Duration connectTimeout = Duration.ofSeconds(2);
    private BackoffPolicy.Provider backoff = ExponentialBackoffPolicy.defaults();
    private int maxConnections = LinkSettings.Limits.DEFAULT_MAX_CONNECTIONS;
    private int maxConnectionsPerPeer = LinkSettings.Limits.DEFAULT_MAX_CONNECTIONS_PER_PEER;
    private int maxUnauthenticatedConnections = LinkSettings.Limits.DEFAULT_MAX_UNAUTHENTICATED;
    private Duration handshakeTimeout =
        Duration.ofMillis(LinkSettings.Limits.DEFAULT_HANDSHAKE_TIMEOUT_MILLIS);
    private long maxQueuedBytesPerLink = LinkSettings.Limits.DEFAULT_MAX_QUEUED_BYTES;
    private int eventLoopThreads =
        Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    private IoBackend ioBackend = IoBackend.AUTO;
    private MeterRegistry registry;
    private int protocolMinor = Transport.PROTOCOL_MINOR;

    private Builder() {}

    /**
     * This stage's name, sent in Hello/HelloAck (required; must match the certificate under TLS).
     */
    public Builder stageName(String stageName) {
      this.stageName = stageName;
      return this;
    }

    /** Use TLS 1.3 with this configuration. */
    public Builder tls(TlsConfig tls) {
      this.tls = Objects.requireNonNull(tls, "tls");
      return this;
    }

    /**
     * Use plaintext; listening on or dialling a non-loopback address then fails with
     * TransportException.
     */
    public Builder plaintextOnLoopback() {
      this.plaintext = true;
      return this;
    }

    /** Use plaintext on any address (for trusted networks only; prefer TLS). */
    public Builder allowPlaintextOnNonLoopback() {
      this.plaintext = true;
      this.plaintextAnywhere = true;
      return this;
    }

    /** Hard cap on an inbound frame, announced to peers (default 4 MiB; 1 KiB to 256 MiB). */
    public Builder maxFrameBytes(int maxFrameBytes) {
      this.maxFrameBytes = maxFrameBytes;
      return this;
    }

    /**
     * Link-level messages a peer may send before the first Credit: the credit window (default 256).
     */
    public Builder initialCredits(int initialCredits) {
      this.initialCredits = initialCredits;
      return this;
    }

    /** Messages a link holds for sending before {@code send} throws OVERLOADED (default 4096). */
    public Builder outboundQueueBound(int bound) {
      this.outboundQueueBound = bound;
      return this;
    }

    /**
     * Bytes of messages a link holds for sending (not yet written to the socket) before {@code
     * send} throws {@code LinkException(OVERLOADED)} (default 64 MiB). A single message is always
     * accepted by an empty queue, whatever its size (it is bounded by the peer's maximum frame).
     * Counted in {@code kubedirect.link.rejected{reason=queued-bytes}}.
     */
    public Builder maxQueuedBytesPerLink(long bytes) {
      this.maxQueuedBytesPerLink = bytes;
      return this;
    }

    /**
     * Accepted connections open at once, over all listeners of this transport (default 1024). A
     * connection beyond it is closed right after accept (in plaintext after an {@code
     * Error(OVERLOADED)} frame) and counted in {@code
     * kubedirect.link.rejected{reason=max-connections}}.
     */
    public Builder maxConnections(int max) {
      this.maxConnections = max;
      return this;
    }

    /**
     * Open accepted links per peer stage name, taken from the peer's certificate (its Hello in
     * plaintext) (default 64). A connection beyond it is answered {@code Error(OVERLOADED)} after
     * its Hello and closed; counted in {@code kubedirect.link.rejected{reason=per-peer}}.
     */
    public Builder maxConnectionsPerPeer(int max) {
      this.maxConnectionsPerPeer = max;
      return this;
    }

    /**
     * Accepted connections that have not yet completed the TLS handshake and the Hello exchange
     * (default 128). A connection beyond it is closed right after accept; counted in {@code
     * kubedirect.link.rejected{reason=unauthenticated}}.
     */
    public Builder maxUnauthenticatedConnections(int max) {
      this.maxUnauthenticatedConnections = max;
      return this;
    }

    /**
     * Time from connect (or accept) until the TLS handshake and the Hello exchange are done
     * (default 10 s). A connection that is not open by then, e.g. a client that connects and never
     * speaks, is closed; counted in {@code kubedirect.link.rejected{reason=handshake-timeout}}.
     */
    public Builder handshakeTimeout(Duration timeout) {
      this.handshakeTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Outbound buffer watermarks in bytes (default 256 KiB / 1 MiB). */
    public Builder writeBufferWaterMarks(int low, int high) {
      this.lowWaterMark = low;
      this.highWaterMark = high;
      return this;
    }

    /**
     * Heartbeat after this much write silence; a peer silent for 3x this is disconnected (default 1
     * s).
     */
    public Builder heartbeatInterval(Duration interval) {
      this.heartbeat = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /** Timeout of one connection attempt (default 2 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Reconnect backoff of client links (default {@link ExponentialBackoffPolicy#defaults()}). */
    public Builder backoff(BackoffPolicy.Provider provider) {
      this.backoff = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /** Event-loop threads (default min(4, processors)). */
    public Builder eventLoopThreads(int threads) {
      this.eventLoopThreads = threads;
      return this;
    }

    /**
     * Forces an I/O backend (default {@link IoBackend#AUTO}, overridable by {@value
     * IoBackend#PROPERTY}).
     */
    public Builder ioBackend(IoBackend backend) {
      this.ioBackend = Objects.requireNonNull(backend, "backend");
      return this;
    }

    /**
     * The protocol minor version this transport announces in its Hello/HelloAck, 0 to {@link
     * Transport#PROTOCOL_MINOR} (the default). Lower values make a stage speak as an older release
     * on every link, to test a rolling upgrade against this release; a link speaks the lower minor
     * of its ends ({@link io.kubedirect.transport.Link#protocolMinor()}).
     */
    public Builder protocolMinor(int minor) {
      this.protocolMinor = minor;
      return this;
    }

    /** Where to report metrics (default: a private {@link SimpleMeterRegistry}). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Validates and builds; starts the event-loop threads.
     *
     * @throws IllegalStateException on a missing or invalid setting
     * @throws TransportException when a forced I/O backend is unavailable or the TLS material is
     *     unusable
     */
    public NettyTransport build() {
      if (stageName == null || stageName.isBlank()) {
        throw new IllegalStateException("stageName is required");
      }
      if (protocolMinor < 0 || protocolMinor > Transport.PROTOCOL_MINOR) {
        throw new IllegalStateException(
            "protocolMinor must be 0.." + Transport.PROTOCOL_MINOR + ": " + protocolMinor);
      }
      if (tls == null && !plaintext) {
        throw new IllegalStateException(
            "choose tls(TlsConfig) or plaintextOnLoopback() explicitly");
      }
      if (tls != null && plaintext) {
        throw new IllegalStateException("both TLS and plaintext were configured");
      }
      if (maxFrameBytes < 1024 || maxFrameBytes > 256 * 1024 * 1024) {
        throw new IllegalStateException(
            "maxFrameBytes must be in [1 KiB, 256 MiB], got " + maxFrameBytes);
      }
      if (initialCredits < 1) {
        throw new IllegalStateException("initialCredits must be >= 1, got " + initialCredits);
      }
      if (outboundQueueBound < 1) {
        throw new IllegalStateException(
            "outboundQueueBound must be >= 1, got " + outboundQueueBound);
      }
      if (lowWaterMark < 0 || highWaterMark < lowWaterMark || highWaterMark == 0) {
        throw new IllegalStateException("need 0 <= low <= high, high > 0 for the watermarks");
      }
      if (heartbeat.toMillis() < 1) {
        throw new IllegalStateException("heartbeatInterval must be >= 1 ms");
      }
      if (connectTimeout.toMillis() < 1 || connectTimeout.toMillis() > Integer.MAX_VALUE) {
        throw new IllegalStateException("connectTimeout out of range: " + connectTimeout);
      }
      if (eventLoopThreads < 1) {
        throw new IllegalStateException("eventLoopThreads must be >= 1");
      }
      if (maxConnections < 1) {
        throw new IllegalStateException("maxConnections must be >= 1, got " + maxConnections);
      }
      if (maxConnectionsPerPeer < 1) {
        throw new IllegalStateException(
            "maxConnectionsPerPeer must be >= 1, got " + maxConnectionsPerPeer);
      }
      if (maxUnauthenticatedConnections < 1) {
        throw new IllegalStateException(
            "maxUnauthenticatedConnections must be >= 1, got " + maxUnauthenticatedConnections);
      }
      if (handshakeTimeout.toMillis() < 1) {
        throw new IllegalStateException(
            "handshakeTimeout must be >= 1 ms, got " + handshakeTimeout);
      }
      if (maxQueuedBytesPerLink < 1) {
        throw new IllegalStateException(
            "maxQueuedBytesPerLink must be >= 1, got " + maxQueuedBytesPerLink);
      }
      return new NettyTransport(this);
    }
  }
}
