package io.kubedirect.transport.netty;

import io.kubedirect.transport.TransportException;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Chooses the I/O backend and creates the event-loop group and channel classes for it. */
final class EventLoops {

  private static final Logger log = LoggerFactory.getLogger(EventLoops.class);

  final IoBackend backend;
  final EventLoopGroup group;
  final Class<? extends ServerChannel> serverChannelClass;
  final Class<? extends Channel> channelClass;

  private EventLoops(
      IoBackend backend,
      EventLoopGroup group,
      Class<? extends ServerChannel> server,
      Class<? extends Channel> client) {
    this.backend = backend;
    this.group = group;
    this.serverChannelClass = server;
    this.channelClass = client;
  }

  static boolean isAvailable(IoBackend backend) {
    try {
      return switch (backend) {
        case AUTO, NIO -> true;
        case EPOLL -> Epoll.isAvailable();
        case IO_URING -> IoUring.isAvailable();
      };
    } catch (Throwable t) { // a missing native library must not break NIO users
      return false;
    }
  }

  /** Resolves AUTO (and the system property) to a concrete available backend. */
  static IoBackend resolve(IoBackend requested) {
    IoBackend wanted = requested;
    if (wanted == null || wanted == IoBackend.AUTO) {
      String prop = System.getProperty(IoBackend.PROPERTY);
      wanted = prop == null ? IoBackend.AUTO : IoBackend.parse(prop);
    }
    if (wanted == IoBackend.AUTO) {
      if (isAvailable(IoBackend.IO_URING)) {
        return IoBackend.IO_URING;
      }
      if (isAvailable(IoBackend.EPOLL)) {
        return IoBackend.EPOLL;
      }
      return IoBackend.NIO;
    }
    if (!isAvailable(wanted)) {
      throw new TransportException(
          "I/O backend " + wanted + " is not available here: " + cause(wanted));
    }
    return wanted;
  }

  private static String cause(IoBackend backend) {
    try {
      Throwable t =
          backend == IoBackend.EPOLL ? Epoll.unavailabilityCause() : IoUring.unavailabilityCause();
      return String.valueOf(t);
    } catch (Throwable t) {
      return t.toString();
    }
  }

  static EventLoops create(IoBackend requested, int threads, String stageName) {
    String forced = System.getProperty(IoBackend.PROPERTY);
    boolean auto =
        (requested == null || requested == IoBackend.AUTO)
            && (forced == null || IoBackend.parse(forced) == IoBackend.AUTO);
    IoBackend backend = resolve(requested);
    while (true) {
      try {
        return start(backend, threads, stageName);
      } catch (RuntimeException | LinkageError e) {
        // A native backend can be "available" and still fail to start (e.g. io_uring ring memory
        // limits).
        IoBackend fallback =
            backend == IoBackend.IO_URING && isAvailable(IoBackend.EPOLL)
                ? IoBackend.EPOLL
                : backend == IoBackend.NIO ? null : IoBackend.NIO;
        if (!auto || fallback == null) {
          throw new TransportException(
              "cannot start " + backend + " event loops: " + e.getMessage(), e);
        }
        log.warn(
            "cannot start {} event loops ({}); falling back to {}",
            backend,
            e.toString(),
            fallback);
        backend = fallback;
      }
    }
  }

  private static EventLoops start(IoBackend backend, int threads, String stageName) {
    IoHandlerFactory factory =
        switch (backend) {
          case IO_URING -> IoUringIoHandler.newFactory();
          case EPOLL -> EpollIoHandler.newFactory();
          default -> NioIoHandler.newFactory();
        };
    DefaultThreadFactory threadFactory =
        new DefaultThreadFactory("kubedirect-io-" + stageName, true);
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, threadFactory, factory);
    log.info(
        "kubedirect transport for stage '{}' uses {} with {} event-loop thread(s)",
        stageName,
        backend,
        threads);
    return switch (backend) {
      case IO_URING ->
          new EventLoops(
              backend, group, IoUringServerSocketChannel.class, IoUringSocketChannel.class);
      case EPOLL ->
          new EventLoops(backend, group, EpollServerSocketChannel.class, EpollSocketChannel.class);
      default ->
          new EventLoops(
              IoBackend.NIO, group, NioServerSocketChannel.class, NioSocketChannel.class);
    };
  }
}
