package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Credit;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.Error;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.Heartbeat;
import io.kubedirect.protocol.v1.Hello;
import io.kubedirect.protocol.v1.HelloAck;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkRules;
import io.kubedirect.transport.PeerIdentity;
import io.kubedirect.transport.Transport;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol state machine of one connection: version exchange (Hello/HelloAck), TLS identity
 * checks, credits in both directions, heartbeats, error handling, and the hand-over of link-level
 * messages to the {@link LinkHandler}. Outbound link-level messages go through a {@link WriteQueue}
 * drained on the event loop. Not sharable: one instance per channel.
 */
final class LinkProtocolHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(LinkProtocolHandler.class);
  private static final AtomicLong IDS = new AtomicLong();
  private static final long CLOSE_GRACE_MILLIS = 1_000;

  enum Side {
    CLIENT,
    SERVER
  }

  private enum State {
    AWAIT_TLS,
    AWAIT_HELLO,
    AWAIT_HELLO_ACK,
    OPEN,
    CLOSED
  }

  private final Side side;
  private final LinkSettings settings;
  private final LinkMetrics metrics;
  private final LinkHandler handler;
  private final String destination; // client side only
  private final FrameDecoder frameDecoder;
  private final Admission.Ticket ticket; // accepted connections only
  private final String id;
  private final NettyLink link = new NettyLink(this);
  private final AtomicBoolean wantWritableSignal = new AtomicBoolean();

  private ChannelHandlerContext ctx;
  private Channel channel;
  private WriteQueue writeQueue;
  private State state = State.AWAIT_TLS;
  private PeerIdentity certIdentity;
  private volatile PeerIdentity peer;
  private volatile int protocolMinor = -1;
  private volatile boolean open;
  private volatile int sendCredits;
  private volatile int peerMaxFrameBytes = LinkSettings.DEFAULT_MAX_FRAME_BYTES;
  private int receiveAllowance;
  private int consumedSinceGrant;
  private boolean openReported;
  private LinkException closeCause;
  private LinkMetrics.PeerMeters meters;
  private io.netty.util.concurrent.ScheduledFuture<?> handshakeDeadline;
  private java.util.function.Consumer<LinkException> onFailure = e -> {};

  LinkProtocolHandler(
      Side side,
      LinkSettings settings,
      LinkMetrics metrics,
      LinkHandler handler,
      String destination,
      FrameDecoder frameDecoder,
      Admission.Ticket ticket) {
    this.side = side;
    this.settings = settings;
    this.metrics = metrics;
    this.handler = handler;
    this.destination = destination;
    this.frameDecoder = frameDecoder;
    this.ticket = ticket;
    this.id = settings.stageName() + (side == Side.CLIENT ? "/c" : "/s") + IDS.incrementAndGet();
    this.meters = metrics.peer("pending");
  }

  // ------------------------------------------------------------------------------------------------------
  // Link facade (any thread)
  // ------------------------------------------------------------------------------------------------------

  String id() {
    return id;
  }

  /**
   * Called (on the event loop) with the cause of every failure of this connection, opened or not.
   */
  void onFailure(java.util.function.Consumer<LinkException> listener) {
    this.onFailure = listener;
  }

  PeerIdentity peer() {
    PeerIdentity p = peer;
    return p != null ? p : PeerIdentity.unverified("");
  }

  /** The negotiated minor (this side's until the version exchange completed). */
  int protocolMinor() {
    int m = protocolMinor;
    return m >= 0 ? m : settings.protocolMinor();
  }

  boolean isOpen() {
    return open;
  }

  boolean isWritable() {
    boolean writable = computeWritable();
    if (!writable && open) {
      requestWritableSignal();
    }
    return writable;
  }

  void send(Envelope message) {
    if (!LinkRules.isLinkLevel(message.getBodyCase())) {
      throw new LinkException(
          ErrorCode.MALFORMED, "not a link-level message: " + message.getBodyCase());
    }
    if (!open) {
      throw new LinkException(ErrorCode.INTERNAL, "link " + id + " is closed");
    }
    int size = message.getSerializedSize();
    if (size > peerMaxFrameBytes) {
      metrics.error(ErrorCode.TOO_LARGE, LinkMetrics.Origin.LOCAL);
      throw new LinkException(
          ErrorCode.TOO_LARGE,
          "message of " + size + " bytes exceeds the peer's maximum frame of " + peerMaxFrameBytes);
    }
    WriteQueue.Offer result;
    try {
      result = writeQueue.offer(message, size);
    } catch (RejectedExecutionException e) {
      throw new LinkException(
          ErrorCode.INTERNAL, "link " + id + " is closed (transport shut down)", e);
    }
    if (result != WriteQueue.Offer.QUEUED) {
      metrics.error(ErrorCode.OVERLOADED, LinkMetrics.Origin.LOCAL);
      requestWritableSignal();
      if (result == WriteQueue.Offer.FULL_BYTES) {
        metrics.rejected(Admission.Reason.QUEUED_BYTES);
        throw new LinkException(
            ErrorCode.OVERLOADED,
            "outbound queue of link "
                + id
                + " holds "
                + writeQueue.bytes()
                + " bytes; "
                + size
                + " more would exceed maxQueuedBytesPerLink ("
                + writeQueue.maxBytes()
                + ")");
      }
      metrics.rejected(Admission.Reason.QUEUED_MESSAGES);
      throw new LinkException(
          ErrorCode.OVERLOADED,
          "outbound queue of link "
              + id
              + " is full ("
              + writeQueue.bound()
              + " messages, outboundQueueBound)");
    }
  }

  void close() {
    runOnLoop(
        () -> {
          if (state == State.CLOSED) {
            return;
          }
          drain();
          state = State.CLOSED;
          open = false;
          closeAfterFlush(ctx.writeAndFlush(Unpooled.EMPTY_BUFFER));
        });
  }

  void close(ErrorCode code, String message) {
    runOnLoop(
        () -> {
          if (state != State.CLOSED) {
            drain();
            fail(code, message, true);
          }
        });
  }

  /** Arranges for one {@link LinkHandler#onWritable} once the link can take a message again. */
  private void requestWritableSignal() {
    if (wantWritableSignal.compareAndSet(false, true)) {
      runOnLoop(this::maybeSignalWritable);
    }
  }

  private void runOnLoop(Runnable task) {
    try {
      channel.eventLoop().execute(task);
    } catch (RejectedExecutionException e) {
      log.debug("link {}: event loop already shut down", id);
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Channel events (event loop)
  // ------------------------------------------------------------------------------------------------------

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    this.channel = ctx.channel();
    this.writeQueue =
        new WriteQueue(
            settings.outboundQueueBound(),
            settings.limits().maxQueuedBytes(),
            channel.eventLoop(),
            this::drain);
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    long timeout = settings.limits().handshakeTimeoutMillis();
    handshakeDeadline =
        ctx.executor().schedule(this::handshakeTimedOut, timeout, TimeUnit.MILLISECONDS);
    if (!settings.tls()) {
      startVersionExchange();
    }
    ctx.fireChannelActive();
  }

  /**
   * The link is not open after the handshake timeout: a silent or slow peer, or a stuck handshake.
   */
  private void handshakeTimedOut() {
    if (state == State.OPEN || state == State.CLOSED) {
      return;
    }
    metrics.rejected(Admission.Reason.HANDSHAKE_TIMEOUT);
    String stage =
        switch (state) {
          case AWAIT_TLS -> "the TLS handshake";
          case AWAIT_HELLO -> "a Hello";
          default -> "a HelloAck";
        };
    String message =
        "handshake timeout: not open after "
            + settings.limits().handshakeTimeoutMillis()
            + " ms (waiting for "
            + stage
            + ")";
    RefusalLog.warn(
        Admission.Reason.HANDSHAKE_TIMEOUT,
        "link {}: closing connection with {}: {}",
        id,
        channel.remoteAddress(),
        message);
    fail(ErrorCode.INTERNAL, message, state != State.AWAIT_TLS, false);
  }

  private void startVersionExchange() {
    if (side == Side.CLIENT) {
      state = State.AWAIT_HELLO_ACK;
      writeAndFlush(
          Envelope.newBuilder()
              .setHello(
                  Hello.newBuilder()
                      .setProtocolMajor(Transport.PROTOCOL_MAJOR)
                      .setProtocolMinor(settings.protocolMinor())
                      .setStage(settings.stageName())
                      .setDestination(destination)
                      .setInitialCredits(settings.initialCredits())
                      .setMaxFrameBytes(settings.maxFrameBytes()))
              .build());
    } else {
      state = State.AWAIT_HELLO;
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof SslHandshakeCompletionEvent done) {
      if (!done.isSuccess()) {
        failTls(done.cause());
      } else if (state == State.AWAIT_TLS) {
        onTlsEstablished();
      }
    } else if (evt instanceof IdleStateEvent idle) {
      if (idle.state() == IdleState.WRITER_IDLE && state == State.OPEN) {
        writeAndFlush(
            Envelope.newBuilder()
                .setHeartbeat(Heartbeat.newBuilder().setSentNanos(System.nanoTime()))
                .build());
      } else if (idle.state() == IdleState.READER_IDLE && state == State.OPEN) {
        // Before the link is open the handshake timeout applies instead.
        fail(
            ErrorCode.INTERNAL,
            "peer silent for " + 3 * settings.heartbeatMillis() + " ms (heartbeat timeout)",
            true);
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void onTlsEstablished() {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    try {
      Certificate[] chain = ssl.engine().getSession().getPeerCertificates();
      if (chain.length > 0 && chain[0] instanceof X509Certificate leaf) {
        certIdentity = CertificateIdentity.of(leaf).orElse(null);
        if (certIdentity == null) {
          metrics.tlsFailure(TlsFailure.Reason.NO_STAGE);
          fail(
              ErrorCode.UNAUTHORIZED,
              "peer certificate '"
                  + leaf.getSubjectX500Principal().getName()
                  + "' names no stage (no stage URI SAN, no CN)",
              true);
          return;
        }
      }
    } catch (SSLPeerUnverifiedException e) {
      certIdentity = null; // the client sent no certificate and client auth is optional
    }
    if (side == Side.CLIENT && certIdentity == null) {
      metrics.tlsFailure(TlsFailure.Reason.NO_CERTIFICATE);
      fail(ErrorCode.UNAUTHORIZED, "server presented no usable certificate", false);
      return;
    }
    startVersionExchange();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof InboundFrame frame)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (state == State.CLOSED) {
      return;
    }
    meters.messagesIn.increment();
    meters.bytesIn.increment(frame.wireBytes());
    Envelope envelope = frame.envelope();
    switch (state) {
      case AWAIT_HELLO -> onHello(envelope);
      case AWAIT_HELLO_ACK -> onHelloAck(envelope);
      case OPEN -> onOpenMessage(envelope);
      default -> fail(ErrorCode.MALFORMED, "frame before the TLS handshake completed", false);
    }
  }

  private void onHello(Envelope envelope) {
    if (envelope.getBodyCase() != Envelope.BodyCase.HELLO) {
      fail(ErrorCode.MALFORMED, "expected Hello, got " + envelope.getBodyCase(), true);
      return;
    }
    Hello hello = envelope.getHello();
    if (hello.getProtocolMajor() != Transport.PROTOCOL_MAJOR) {
      fail(
          ErrorCode.UNSUPPORTED_VERSION,
          "protocol major "
              + hello.getProtocolMajor()
              + " not supported; this side speaks "
              + Transport.PROTOCOL_MAJOR
              + "."
              + Transport.PROTOCOL_MINOR,
          true);
      return;
    }
    if (hello.getStage().isEmpty()) {
      fail(ErrorCode.MALFORMED, "Hello without a stage name", true);
      return;
    }
    if (certIdentity != null && !certIdentity.stage().equals(hello.getStage())) {
      metrics.tlsFailure(TlsFailure.Reason.STAGE_MISMATCH);
      fail(
          ErrorCode.UNAUTHORIZED,
          "Hello claims stage '"
              + hello.getStage()
              + "' but the certificate ("
              + certIdentity.subject()
              + ") is for stage '"
              + certIdentity.stage()
              + "'",
          true);
      return;
    }
    if (!LinkRules.serves(settings.stageName(), hello.getDestination())) {
      fail(
          ErrorCode.NOT_FOUND,
          "this is stage '" + settings.stageName() + "', not '" + hello.getDestination() + "'",
          true);
      return;
    }
    if (ticket != null) {
      String stage = certIdentity != null ? certIdentity.stage() : hello.getStage();
      if (!ticket.admitPeer(stage)) {
        metrics.rejected(Admission.Reason.PER_PEER);
        String message =
            "stage '"
                + stage
                + "' already has "
                + settings.limits().maxConnectionsPerPeer()
                + " open link(s) to stage '"
                + settings.stageName()
                + "' (maxConnectionsPerPeer)";
        RefusalLog.warn(
            Admission.Reason.PER_PEER,
            "refusing link from {}: {}",
            channel.remoteAddress(),
            message);
        failQuietly(ErrorCode.OVERLOADED, message);
        return;
      }
      ticket.authenticated();
    }
    adoptPeer(
        hello.getStage(),
        hello.getInitialCredits(),
        hello.getMaxFrameBytes(),
        hello.getProtocolMinor());
    writeAndFlush(
        Envelope.newBuilder()
            .setHelloAck(
                HelloAck.newBuilder()
                    .setProtocolMajor(Transport.PROTOCOL_MAJOR)
                    .setProtocolMinor(settings.protocolMinor())
                    .setStage(settings.stageName())
                    .setInitialCredits(settings.initialCredits())
                    .setMaxFrameBytes(settings.maxFrameBytes()))
            .build());
    becomeOpen();
  }

  private void onHelloAck(Envelope envelope) {
    if (envelope.getBodyCase() == Envelope.BodyCase.ERROR) {
      onRemoteError(envelope.getError());
      return;
    }
    if (envelope.getBodyCase() != Envelope.BodyCase.HELLO_ACK) {
      fail(ErrorCode.MALFORMED, "expected HelloAck, got " + envelope.getBodyCase(), true);
      return;
    }
    HelloAck ack = envelope.getHelloAck();
    if (ack.getProtocolMajor() != Transport.PROTOCOL_MAJOR) {
      fail(
          ErrorCode.UNSUPPORTED_VERSION,
          "server answered protocol major " + ack.getProtocolMajor(),
          true);
      return;
    }
    if (certIdentity != null) {
      if (!certIdentity.stage().equals(ack.getStage())
          || !LinkRules.serves(certIdentity.stage(), destination)) {
        metrics.tlsFailure(TlsFailure.Reason.STAGE_MISMATCH);
        fail(
            ErrorCode.UNAUTHORIZED,
            "server certificate is stage '"
                + certIdentity.stage()
                + "', HelloAck says '"
                + ack.getStage()
                + "', expected '"
                + destination
                + "'",
            true);
        return;
      }
    } else if (!LinkRules.serves(ack.getStage(), destination)) {
      fail(
          ErrorCode.NOT_FOUND,
          "reached stage '" + ack.getStage() + "', expected '" + destination + "'",
          true);
      return;
    }
    adoptPeer(
        ack.getStage(), ack.getInitialCredits(), ack.getMaxFrameBytes(), ack.getProtocolMinor());
    becomeOpen();
  }

  /**
   * Takes over what the peer announced in its Hello or HelloAck; the link speaks the lower minor of
   * both.
   */
  private void adoptPeer(String stage, int initialCredits, int maxFrameBytes, int peerMinor) {
    peer = certIdentity != null ? certIdentity : PeerIdentity.unverified(stage);
    protocolMinor = Math.min(settings.protocolMinor(), Math.max(0, peerMinor));
    sendCredits = initialCredits;
    peerMaxFrameBytes = maxFrameBytes == 0 ? LinkSettings.DEFAULT_MAX_FRAME_BYTES : maxFrameBytes;
    meters = metrics.peer(peer.stage());
  }

  private void becomeOpen() {
    state = State.OPEN;
    cancelHandshakeDeadline();
    frameDecoder.maxFrameBytes(settings.maxFrameBytes());
    receiveAllowance = settings.initialCredits();
    open = true;
    openReported = true;
    log.debug("link {} open: peer {} over {}", id, peer, channel.remoteAddress());
    try {
      handler.onOpen(link);
    } catch (RuntimeException e) {
      log.error("LinkHandler.onOpen failed for link {}", id, e);
    }
    drain();
  }

  private void onOpenMessage(Envelope envelope) {
    switch (envelope.getBodyCase()) {
      case HELLO, HELLO_ACK ->
          fail(ErrorCode.MALFORMED, "second version exchange on an open link", true);
      case CREDIT -> {
        long credits = (long) sendCredits + (envelope.getCredit().getMessages() & 0xFFFF_FFFFL);
        sendCredits = (int) Math.min(Integer.MAX_VALUE, credits);
        drain();
      }
      case HEARTBEAT -> {
        Heartbeat hb = envelope.getHeartbeat();
        if (hb.getReply()) {
          meters.rtt.record(System.nanoTime() - hb.getSentNanos(), TimeUnit.NANOSECONDS);
        } else {
          writeAndFlush(Envelope.newBuilder().setHeartbeat(hb.toBuilder().setReply(true)).build());
        }
      }
      case ERROR -> {
        if (envelope.getError().getSeq() == 0) {
          onRemoteError(envelope.getError());
        } else {
          deliver(envelope);
        }
      }
      case BODY_NOT_SET -> fail(ErrorCode.MALFORMED, "unknown or empty message body", true);
      default -> deliver(envelope);
    }
  }

  private void deliver(Envelope envelope) {
    if (receiveAllowance <= 0) {
      fail(ErrorCode.OVERLOADED, "peer sent a message without credit", true);
      return;
    }
    receiveAllowance--;
    try {
      handler.onMessage(link, envelope);
    } catch (RuntimeException e) {
      log.error("LinkHandler.onMessage failed on link {} for a {}", id, envelope.getBodyCase(), e);
    }
    consumedSinceGrant++;
  }

  private void onRemoteError(Error error) {
    LinkException cause =
        new LinkException(error.getCode(), "peer closed the link: " + error.getMessage());
    metrics.error(error.getCode(), LinkMetrics.Origin.REMOTE);
    log.warn(
        "link {} (peer {}, {}): {}",
        id,
        peer != null ? peer.stage() : "?",
        channel.remoteAddress(),
        cause.getMessage());
    closeCause = cause;
    state = State.CLOSED;
    open = false;
    cancelHandshakeDeadline();
    notifyFailure(cause);
    ctx.close();
  }

  private void cancelHandshakeDeadline() {
    if (handshakeDeadline != null) {
      handshakeDeadline.cancel(false);
      handshakeDeadline = null;
    }
  }

  private void notifyFailure(LinkException cause) {
    try {
      onFailure.accept(cause);
    } catch (RuntimeException e) {
      log.error("link {}: failure listener failed", id, e);
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    if (state == State.OPEN && consumedSinceGrant >= settings.creditGrantThreshold()) {
      int grant = consumedSinceGrant;
      consumedSinceGrant = 0;
      receiveAllowance += grant;
      writeAndFlush(
          Envelope.newBuilder().setCredit(Credit.newBuilder().setMessages(grant)).build());
    }
    ctx.fireChannelReadComplete();
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (channel.isWritable()) {
      drain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    cancelHandshakeDeadline();
    state = State.CLOSED;
    open = false;
    int dropped = writeQueue.clear();
    if (dropped > 0) {
      log.debug("link {} closed with {} unsent message(s)", id, dropped);
    }
    if (openReported) {
      openReported = false;
      try {
        handler.onClosed(link, closeCause);
      } catch (RuntimeException e) {
        log.error("LinkHandler.onClosed failed for link {}", id, e);
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof FrameException fe) {
      fail(fe.code(), fe.getMessage(), true);
    } else if (isTlsFailure(cause)) {
      failTls(cause);
    } else if (cause instanceof IOException) {
      fail(
          ErrorCode.INTERNAL,
          "connection failed ("
              + cause.getClass().getSimpleName()
              + ": "
              + cause.getMessage()
              + ")",
          false);
    } else {
      log.error("link {}: unexpected error", id, cause);
      fail(ErrorCode.INTERNAL, String.valueOf(cause), true);
    }
  }

  private static boolean isTlsFailure(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof SSLException) {
        return true;
      }
    }
    return false;
  }

  private void failTls(Throwable cause) {
    if (state == State.CLOSED) {
      return;
    }
    TlsFailure failure =
        TlsFailure.classify(cause, side == Side.CLIENT, settings.tlsContexts().ownLeaf());
    metrics.tlsFailure(failure.reason());
    fail(
        failure.code(),
        "TLS handshake failed [" + failure.reason().tag + "]: " + failure.message(),
        false);
  }

  // ------------------------------------------------------------------------------------------------------
  // Writing (event loop)
  // ------------------------------------------------------------------------------------------------------

  private void writeDirect(Envelope envelope) {
    countOut(envelope);
    ctx.write(envelope, ctx.voidPromise());
  }

  /** Writes one transport-level message past the queue and the credits, and flushes. */
  private void writeAndFlush(Envelope envelope) {
    writeDirect(envelope);
    ctx.flush();
  }

  private void countOut(Envelope envelope) {
    meters.messagesOut.increment();
    meters.bytesOut.increment(FrameDecoder.PREFIX_BYTES + envelope.getSerializedSize());
  }

  /** Writes queued messages while there is credit and the channel is writable; flushes once. */
  private void drain() {
    writeQueue.drainStarted();
    if (state != State.OPEN) {
      return;
    }
    int written = 0;
    while (sendCredits > 0 && channel.isWritable()) {
      Envelope next = writeQueue.poll();
      if (next == null) {
        break;
      }
      sendCredits--;
      writeDirect(next);
      written++;
    }
    if (written > 0) {
      ctx.flush();
    }
    maybeSignalWritable();
  }

  private boolean computeWritable() {
    return open
        && sendCredits > 0
        && channel.isWritable()
        && writeQueue.size() < writeQueue.bound()
        && writeQueue.bytes() < writeQueue.maxBytes();
  }

  private void maybeSignalWritable() {
    if (wantWritableSignal.get()
        && computeWritable()
        && wantWritableSignal.compareAndSet(true, false)) {
      try {
        handler.onWritable(link);
      } catch (RuntimeException e) {
        log.error("LinkHandler.onWritable failed for link {}", id, e);
      }
    }
  }

  /**
   * Records a failure: counter, log line, close cause; sends {@code Error(seq=0)} when asked and
   * possible, then closes. Only the first failure of a connection counts.
   */
  private void fail(ErrorCode code, String message, boolean sendError) {
    fail(code, message, sendError, true);
  }

  /**
   * Like {@link #fail} with an Error frame, but logged at DEBUG (the caller rate-limits its own
   * WARN).
   */
  private void failQuietly(ErrorCode code, String message) {
    fail(code, message, true, false);
  }

  private void fail(ErrorCode code, String message, boolean sendError, boolean warn) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    open = false;
    cancelHandshakeDeadline();
    closeCause = new LinkException(code, message);
    metrics.error(code, LinkMetrics.Origin.LOCAL);
    if (warn) {
      log.warn(
          "link {} (peer {}, {}): closing with {}: {}",
          id,
          peer != null ? peer.stage() : "?",
          channel.remoteAddress(),
          code,
          message);
    } else {
      log.debug(
          "link {} (peer {}, {}): closing with {}: {}",
          id,
          peer != null ? peer.stage() : "?",
          channel.remoteAddress(),
          code,
          message);
    }
    notifyFailure(closeCause);
    if (sendError && channel.isActive()) {
      Envelope error =
          Envelope.newBuilder()
              .setError(Error.newBuilder().setSeq(0).setCode(code).setMessage(message))
              .build();
      countOut(error);
      closeAfterFlush(ctx.writeAndFlush(error));
    } else {
      ctx.close();
    }
  }

  private void closeAfterFlush(io.netty.channel.ChannelFuture lastWrite) {
    lastWrite.addListener(ChannelFutureListener.CLOSE);
    // A peer that does not read must not keep the connection open: close anyway after a grace
    // period.
    ctx.executor()
        .schedule(
            () -> {
              if (channel.isOpen()) {
                ctx.close();
              }
            },
            CLOSE_GRACE_MILLIS,
            TimeUnit.MILLISECONDS);
  }

  /** The {@link Link} view of this connection. */
  Link link() {
    return link;
  }
}
