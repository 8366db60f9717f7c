package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.PeerAddress;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one connection to a peer: dials, and after a failed attempt or a closed connection dials
 * again after the delay of its {@link BackoffPolicy}; a connection that completes the version
 * exchange resets the policy. All state changes run on one event loop.
 */
final class NettyClientLink implements ClientLink {

  private static final Logger log = LoggerFactory.getLogger(NettyClientLink.class);

  private final PeerAddress address;
  private final String destination;
  private final EventLoop loop;
  private final Bootstrap bootstrap;
  private final BackoffPolicy.Provider backoffProvider;
  private final LinkMetrics metrics;
  private final Consumer<NettyClientLink> onClose;
  private final LinkHandler userHandler;

  private volatile boolean closed;
  private volatile Link current;
  private volatile Channel channel;
  private volatile LinkException lastFailure;
  private BackoffPolicy backoff;
  private ScheduledFuture<?> pendingReconnect;

  NettyClientLink(
      PeerAddress address,
      String destination,
      EventLoop loop,
      Bootstrap template,
      LinkSettings settings,
      LinkMetrics metrics,
      BackoffPolicy.Provider backoffProvider,
      LinkHandler handler,
      Consumer<NettyClientLink> onClose) {
    this.address = address;
    this.destination = destination;
    this.loop = loop;
    this.backoffProvider = backoffProvider;
    this.metrics = metrics;
    this.onClose = onClose;
    this.userHandler = handler;
    this.backoff = backoffProvider.get();
    this.bootstrap =
        template
            .clone(loop)
            .remoteAddress(address.host(), address.port())
            .handler(
                LinkChannelInitializer.client(
                        settings,
                        metrics,
                        new Tracking(),
                        destination,
                        address.host(),
                        address.port())
                    .onFailure(e -> lastFailure = e));
  }

  void start() {
    loop.execute(this::dial);
  }

  /**
   * Why the last connection attempt or link failed (also when it never opened, e.g. a rejected
   * certificate), or null. The same cause is logged (WARN) and counted in {@code
   * kubedirect.link.errors}.
   */
  LinkException lastFailure() {
    return lastFailure;
  }

  @Override
  public PeerAddress address() {
    return address;
  }

  @Override
  public Optional<Link> current() {
    Link link = current;
    return !closed && link != null && link.isOpen() ? Optional.of(link) : Optional.empty();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    ChannelFuture closing = null;
    if (loop.inEventLoop()) {
      cancelReconnect();
    } else {
      loop.execute(this::cancelReconnect);
    }
    Channel ch = channel;
    if (ch != null) {
      closing = ch.close();
    }
    if (closing != null && !loop.inEventLoop()) {
      closing.awaitUninterruptibly(2_000);
    }
    onClose.accept(this);
  }

  private void cancelReconnect() {
    if (pendingReconnect != null) {
      pendingReconnect.cancel(false);
      pendingReconnect = null;
    }
  }

  private void dial() {
    pendingReconnect = null;
    if (closed) {
      return;
    }
    ChannelFuture connecting = bootstrap.connect();
    channel = connecting.channel();
    connecting.addListener(
        (ChannelFuture f) -> {
          if (!f.isSuccess()) {
            metrics.connectFailure();
            log.debug("connect to {} ({}) failed: {}", address, destination, f.cause().toString());
            scheduleReconnect();
            return;
          }
          f.channel().closeFuture().addListener(c -> scheduleReconnect());
          if (closed) {
            f.channel().close();
          }
        });
  }

  private void scheduleReconnect() {
    if (closed) {
      return;
    }
    Duration delay = backoff.nextBackoff();
    log.debug("reconnecting to {} ({}) in {} ms", address, destination, delay.toMillis());
    pendingReconnect = loop.schedule(this::dial, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  /**
   * Tracks the current link and resets the backoff on success, then forwards to the user's handler.
   */
  private final class Tracking implements LinkHandler {
    @Override
    public void onOpen(Link link) {
      current = link;
      backoff = backoffProvider.get();
      if (closed) {
        link.close(); // the user still sees onOpen, then onClosed
      }
      userHandler.onOpen(link);
    }

    @Override
    public void onMessage(Link link, Envelope message) {
      userHandler.onMessage(link, message);
    }

    @Override
    public void onWritable(Link link) {
      userHandler.onWritable(link);
    }

    @Override
    public void onClosed(Link link, LinkException cause) {
      if (current == link) {
        current = null;
      }
      userHandler.onClosed(link, cause);
    }
  }
}
