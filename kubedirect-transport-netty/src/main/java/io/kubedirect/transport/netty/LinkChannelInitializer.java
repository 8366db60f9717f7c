package io.kubedirect.transport.netty;

import io.kubedirect.transport.LinkHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Builds the pipeline of one connection:
 * {@code [ssl] -> frameDecoder -> envelopeDecoder -> frameEncoder -> flushConsolidation -> idle -> protocol}.
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

  private LinkChannelInitializer(LinkProtocolHandler.Side side, LinkSettings settings, LinkMetrics metrics,
      LinkHandler handler, String destination, String peerHost, int peerPort, Consumer<Channel> onChannel) {
    this.side = side;
    this.settings = settings;
    this.metrics = metrics;
    this.handler = handler;
    this.destination = destination;
    this.peerHost = peerHost;
    this.peerPort = peerPort;
    this.onChannel = onChannel;
  }

  static LinkChannelInitializer server(LinkSettings settings, LinkMetrics metrics, LinkHandler handler,
      Consumer<Channel> onChannel) {
    return new LinkChannelInitializer(LinkProtocolHandler.Side.SERVER, settings, metrics, handler, "", null, 0,
        onChannel);
  }

  static LinkChannelInitializer client(LinkSettings settings, LinkMetrics metrics, LinkHandler handler,
      String destination, String peerHost, int peerPort) {
    return new LinkChannelInitializer(LinkProtocolHandler.Side.CLIENT, settings, metrics, handler, destination,
        peerHost, peerPort, ch -> {});
  }

  @Override
  protected void initChannel(Channel ch) {
    onChannel.accept(ch);
    ChannelPipeline p = ch.pipeline();
    SslContext ssl = side == LinkProtocolHandler.Side.SERVER ? settings.serverSsl() : settings.clientSsl();
    if (ssl != null) {
      p.addLast("ssl", side == LinkProtocolHandler.Side.SERVER
          ? ssl.newHandler(ch.alloc())
          : ssl.newHandler(ch.alloc(), peerHost, peerPort));
    }
    FrameDecoder frameDecoder =
        new FrameDecoder(Math.min(LinkSettings.PRE_HELLO_MAX_FRAME_BYTES, settings.maxFrameBytes()));
    p.addLast("frameDecoder", frameDecoder);
    p.addLast("envelopeDecoder", EnvelopeDecoder.INSTANCE);
    p.addLast("frameEncoder", FrameEncoder.INSTANCE);
    p.addLast("flushConsolidation", new FlushConsolidationHandler(256, true));
    long hb = settings.heartbeatMillis();
    p.addLast("idle", new IdleStateHandler(3 * hb, hb, 0, TimeUnit.MILLISECONDS));
    p.addLast("protocol", new LinkProtocolHandler(side, settings, metrics, handler, destination, frameDecoder));
  }
}
