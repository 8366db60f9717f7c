package io.kubedirect.examples.faas.activator;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.pool.AbstractChannelPoolHandler;
import io.netty.channel.pool.AbstractChannelPoolMap;
import io.netty.channel.pool.ChannelHealthChecker;
import io.netty.channel.pool.SimpleChannelPool;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The activator's HTTP/1.1 client to the sandboxes: one pool of keep-alive connections per sandbox
 * address (connections are reused; the throttler bounds how many are in use), one request at a time
 * per connection. A failure before the request could have reached the sandbox (no connection,
 * failed write) is reported as {@link NotSentException}, so the caller may send it elsewhere; after
 * that, a lost connection or the response timeout fail the request for good.
 */
final class ProxyClient implements AutoCloseable {

  private final int maxResponseBytes;
  private final AbstractChannelPoolMap<InetSocketAddress, SimpleChannelPool> pools;

  ProxyClient(EventLoopGroup group, Duration connectTimeout, int maxResponseBytes) {
    this.maxResponseBytes = maxResponseBytes;
    Bootstrap base =
        new Bootstrap()
            .group(group)
            .channel(NioSocketChannel.class)
            .option(ChannelOption.TCP_NODELAY, true)
            .option(
                ChannelOption.CONNECT_TIMEOUT_MILLIS,
                (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
    this.pools =
        new AbstractChannelPoolMap<>() {
          @Override
          protected SimpleChannelPool newPool(InetSocketAddress key) {
            return new SimpleChannelPool(
                base.clone().remoteAddress(key),
                new AbstractChannelPoolHandler() {
                  @Override
                  public void channelCreated(Channel ch) {
                    ch.pipeline()
                        .addLast("http", new HttpClientCodec())
                        .addLast(
                            "aggregate",
                            new HttpObjectAggregator(ProxyClient.this.maxResponseBytes))
                        .addLast("response", new ResponseHandler());
                  }
                },
                ChannelHealthChecker.ACTIVE);
          }
        };
  }

  /**
   * Sends {@code request} (ownership passes to this method) to {@code target}; the future completes
   * with the response (the caller releases it), or with {@link NotSentException}, a {@link
   * TimeoutException} after {@code timeout}, or another I/O error.
   */
  CompletableFuture<FullHttpResponse> send(
      InetSocketAddress target, FullHttpRequest request, Duration timeout) {
    CompletableFuture<FullHttpResponse> result = new CompletableFuture<>();
    SimpleChannelPool pool = pools.get(target);
    pool.acquire()
        .addListener(
            (Future<Channel> acquired) -> {
              if (!acquired.isSuccess()) {
                request.release();
                result.completeExceptionally(
                    new NotSentException("no connection to " + target, acquired.cause()));
                return;
              }
              Channel ch = acquired.getNow();
              ResponseHandler handler = ch.pipeline().get(ResponseHandler.class);
              handler.expect(result);
              ScheduledFuture<?> timer =
                  ch.eventLoop()
                      .schedule(
                          () -> {
                            if (result.completeExceptionally(
                                new TimeoutException(
                                    "no response from " + target + " within " + timeout))) {
                              ch.close();
                            }
                          },
                          timeout.toNanos(),
                          TimeUnit.NANOSECONDS);
              result.whenComplete(
                  (response, error) -> {
                    timer.cancel(false);
                    ch.eventLoop()
                        .execute(
                            () -> {
                              handler.expect(null);
                              if (error != null
                                  || response == null
                                  || !HttpUtil.isKeepAlive(response)) {
                                ch.close();
                              }
                              pool.release(ch);
                            });
                  });
              ch.writeAndFlush(request)
                  .addListener(
                      written -> {
                        if (!written.isSuccess()) {
                          result.completeExceptionally(
                              new NotSentException("could not send to " + target, written.cause()));
                        }
                      });
            });
    return result;
  }

  @Override
  public void close() {
    pools.close();
  }

  /** The request never reached the sandbox: safe to send to another one. */
  static final class NotSentException extends IOException {
    NotSentException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Completes the pending request's future with the aggregated response. One per connection. */
  private static final class ResponseHandler extends ChannelInboundHandlerAdapter {
    private CompletableFuture<FullHttpResponse> pending;

    void expect(CompletableFuture<FullHttpResponse> future) {
      this.pending = future;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      CompletableFuture<FullHttpResponse> p = pending;
      if (msg instanceof FullHttpResponse response && p != null) {
        pending = null;
        if (!p.complete(response)) {
          response.release();
        }
      } else {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      CompletableFuture<FullHttpResponse> p = pending;
      pending = null;
      if (p != null) {
        p.completeExceptionally(
            new IOException("connection to " + ctx.channel().remoteAddress() + " closed"));
      }
      super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      CompletableFuture<FullHttpResponse> p = pending;
      pending = null;
      if (p != null) {
        p.completeExceptionally(cause);
      }
      ctx.close();
    }
  }
}
