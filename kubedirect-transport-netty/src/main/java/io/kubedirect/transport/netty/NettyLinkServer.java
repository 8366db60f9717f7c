package io.kubedirect.transport.netty;

import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.netty.channel.Channel;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/** A bound server channel and the connections it accepted. */
final class NettyLinkServer implements LinkServer {

  private final Set<Channel> children = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Consumer<NettyLinkServer> onClose;
  private volatile Channel serverChannel;
  private volatile PeerAddress localAddress;

  NettyLinkServer(Consumer<NettyLinkServer> onClose) {
    this.onClose = onClose;
  }

  void bound(Channel serverChannel, String host) {
    this.serverChannel = serverChannel;
    InetSocketAddress local = (InetSocketAddress) serverChannel.localAddress();
    this.localAddress = new PeerAddress(host, local.getPort());
  }

  /** Tracks an accepted connection until it closes. */
  void accepted(Channel child) {
    children.add(child);
    child.closeFuture().addListener(f -> children.remove(child));
    if (closed.get()) {
      child.close();
    }
  }

  @Override
  public PeerAddress localAddress() {
    return localAddress;
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    List<io.netty.channel.ChannelFuture> closing = new ArrayList<>();
    if (serverChannel != null) {
      closing.add(serverChannel.close());
    }
    for (Channel child : children) {
      closing.add(child.close());
    }
    for (var f : closing) {
      if (!f.channel().eventLoop().inEventLoop()) {
        f.awaitUninterruptibly(2_000);
      }
    }
    onClose.accept(this);
  }
}
