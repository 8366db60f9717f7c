package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.LinkHandler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Builds the pipeline of one connection: {@code [ssl] -> frameDecoder -> envelopeDecoder ->
 * frameEncoder -> flushConsolidation -> idle -> protocol}.
 */
final class LinkChannelInitializer extends ChannelInitializer<Channel> {

  private final LinkProtocolHandler.Side side;
  private final LinkSettings settings;
  private final LinkMetrics metrics;
  private final LinkHandler handler;
  private final String destination;
  private final String peerHost;
  private final int peerPort;
  private final Consumer<Channel> onChannel;
  private final Admission admission; // server side only
  private java.util.function.Consumer<io.kubedirect.transport.LinkException> onFailure = e -> {};

  private LinkChannelInitializer(
      LinkProtocolHandler.Side side,
      LinkSettings settings,
      LinkMetrics metrics,
      LinkHandler handler,
      String destination,
      String peerHost,
      int peerPort,
      Consumer<Channel> onChannel,
      Admission admission) {
    this.side = side;
    this.settings = settings;
    this.metrics = metrics;
    this.handler = handler;
    this.destination = destination;
    this.peerHost = peerHost;
    this.peerPort = peerPort;
    this.onChannel = onChannel;
    this.admission = admission;
  }

  /** A server initializer with its own admission counters (one listener, e.g. in tests). */
  static LinkChannelInitializer server(
      LinkSettings settings,
      LinkMetrics metrics,
      LinkHandler handler,
      Consumer<Channel> onChannel) {
    return server(settings, metrics, handler, onChannel, new Admission(settings.limits(), metrics));
  }

  /**
   * A server initializer whose connections count against {@code admission} (shared by a transport's
   * listeners).
   */
  static LinkChannelInitializer server(
      LinkSettings settings,
      LinkMetrics metrics,
      LinkHandler handler,
      Consumer<Channel> onChannel,
      Admission admission) {
    return new LinkChannelInitializer(
        LinkProtocolHandler.Side.SERVER,
        settings,
        metrics,
        handler,
        "",
        null,
        0,
        onChannel,
        admission);
  }

  static LinkChannelInitializer client(
      LinkSettings settings,
      LinkMetrics metrics,
      LinkHandler handler,
      String destination,
      String peerHost,
      int peerPort) {
    return new LinkChannelInitializer(
        LinkProtocolHandler.Side.CLIENT,
        settings,
        metrics,
        handler,
        destination,
        peerHost,
        peerPort,
        ch -> {},
        null);
  }

  /** Reports the cause of every failed connection, including those that never opened. */
  LinkChannelInitializer onFailure(
      java.util.function.Consumer<io.kubedirect.transport.LinkException> listener) {
    this.onFailure = listener;
    return this;
  }

  @Override
  protected void initChannel(Channel ch) {
    onChannel.accept(ch);
    Admission.Ticket ticket = null;
    if (admission != null) {
      Admission.Reason refused = admission.tryAccept();
      if (refused != null) {
        refuse(ch, refused);
        return;
      }
      ticket = admission.ticket();
      Admission.Ticket t = ticket;
      ch.closeFuture().addListener(f -> t.release());
    }
    ChannelPipeline p = ch.pipeline();
    SslContext ssl =
        side == LinkProtocolHandler.Side.SERVER ? settings.serverSsl() : settings.clientSsl();
    if (ssl != null) {
      p.addLast(
          "ssl",
          side == LinkProtocolHandler.Side.SERVER
              ? ssl.newHandler(ch.alloc())
              : ssl.newHandler(ch.alloc(), peerHost, peerPort));
    }
    FrameDecoder frameDecoder =
        new FrameDecoder(
            Math.min(LinkSettings.PRE_HELLO_MAX_FRAME_BYTES, settings.maxFrameBytes()));
    p.addLast("frameDecoder", frameDecoder);
    p.addLast("envelopeDecoder", EnvelopeDecoder.INSTANCE);
    p.addLast("frameEncoder", FrameEncoder.INSTANCE);
    p.addLast("flushConsolidation", new FlushConsolidationHandler(256, true));
    long hb = settings.heartbeatMillis();
    p.addLast("idle", new IdleStateHandler(3 * hb, hb, 0, TimeUnit.MILLISECONDS));
    LinkProtocolHandler protocol =
        new LinkProtocolHandler(
            side, settings, metrics, handler, destination, frameDecoder, ticket);
    protocol.onFailure(onFailure);
    p.addLast("protocol", protocol);
  }

  /**
   * Closes a connection refused at accept. Under TLS nothing can be said before the handshake,
   * which is exactly the work a limit should avoid: the connection is just closed. In plaintext an
   * {@code Error(OVERLOADED)} frame tells the peer why.
   */
  private void refuse(Channel ch, Admission.Reason reason) {
    metrics.rejected(reason);
    String message =
        switch (reason) {
          case MAX_CONNECTIONS ->
              "stage '"
                  + settings.stageName()
                  + "' is at its limit of "
                  + settings.limits().maxConnections()
                  + " connections (maxConnections)";
          default ->
              "stage '"
                  + settings.stageName()
                  + "' is at its limit of "
                  + settings.limits().maxUnauthenticated()
                  + " connections in the handshake (maxUnauthenticatedConnections)";
        };
    RefusalLog.warn(reason, "refusing connection from {}: {}", ch.remoteAddress(), message);
    if (settings.tls()) {
      ch.close();
      return;
    }
    Envelope error =
        Envelope.newBuilder()
            .setError(
                io.kubedirect.protocol.v1.Error.newBuilder()
                    .setSeq(0)
                    .setCode(ErrorCode.OVERLOADED)
                    .setMessage(message))
            .build();
    byte[] body = error.toByteArray();
    ByteBuf frame = ch.alloc().buffer(FrameDecoder.PREFIX_BYTES + body.length);
    frame.writeInt(body.length).writeBytes(body);
    ch.writeAndFlush(frame).addListener(ChannelFutureListener.CLOSE);
  }
}
