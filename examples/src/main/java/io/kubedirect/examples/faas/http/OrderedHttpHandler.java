package io.kubedirect.examples.faas.http;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Server side of one HTTP/1.1 connection (after {@code HttpServerCodec} and {@code
 * HttpObjectAggregator}) whose answers are computed asynchronously: {@link #handle} returns a
 * future, and the answers are written in request order (pipelined requests get their responses in
 * order), with {@code Content-Length} and keep-alive set. A malformed request gets 400 and the
 * connection is closed after it. When the connection closes, the futures of the requests still
 * unanswered are cancelled, so the handler can withdraw them (e.g. from a queue). One instance per
 * connection; everything but the futures' completion runs on the channel's event loop.
 */
public abstract class OrderedHttpHandler extends ChannelInboundHandlerAdapter {

  private static final Logger log = LoggerFactory.getLogger(OrderedHttpHandler.class);

  private final ArrayDeque<Slot> slots = new ArrayDeque<>();
  private boolean closing;

  /**
   * Answers {@code request} (well-formed). The request is released after this returns: retain what
   * is kept. The returned future may complete on any thread; it is cancelled if the client goes
   * away first.
   */
  protected abstract CompletableFuture<FullHttpResponse> handle(
      ChannelHandlerContext ctx, FullHttpRequest request);

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof FullHttpRequest request)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (closing) {
      request.release();
      return;
    }
    boolean wellFormed = request.decoderResult().isSuccess();
    Slot slot = new Slot(wellFormed && HttpUtil.isKeepAlive(request));
    slots.add(slot);
    CompletableFuture<FullHttpResponse> answer;
    try {
      answer =
          wellFormed
              ? handle(ctx, request)
              : CompletableFuture.completedFuture(
                  HttpResponses.text(
                      HttpResponseStatus.BAD_REQUEST,
                      "malformed HTTP request: " + request.decoderResult().cause()));
    } catch (RuntimeException e) {
      log.warn("handler failed on {}", request.uri(), e);
      answer =
          CompletableFuture.completedFuture(
              HttpResponses.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + e));
    } finally {
      request.release();
    }
    CompletableFuture<FullHttpResponse> pending = answer;
    slot.answer = pending;
    pending.whenComplete(
        (response, error) -> {
          FullHttpResponse r = response;
          if (r == null && !pending.isCancelled()) {
            r =
                HttpResponses.text(
                    HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error: " + error);
          }
          FullHttpResponse done = r;
          if (ctx.executor().inEventLoop()) {
            answered(ctx, slot, done);
          } else {
            ctx.executor().execute(() -> answered(ctx, slot, done));
          }
        });
  }

  private void answered(ChannelHandlerContext ctx, Slot slot, FullHttpResponse response) {
    if (response == null) {
      return; // cancelled: the connection is gone
    }
    if (slot.abandoned || !ctx.channel().isActive()) {
      response.release();
      return;
    }
    slot.response = response;
    boolean wrote = false;
    while (!slots.isEmpty() && slots.peek().response != null) {
      Slot s = slots.poll();
      FullHttpResponse out = s.response;
      s.response = null;
      HttpUtil.setContentLength(out, out.content().readableBytes());
      HttpUtil.setKeepAlive(out, s.keepAlive);
      wrote = true;
      if (!s.keepAlive) {
        closing = true;
        ctx.writeAndFlush(out).addListener(ChannelFutureListener.CLOSE);
        abandonAll();
        return;
      }
      ctx.write(out);
    }
    if (wrote) {
      ctx.flush();
    }
  }

  private void abandonAll() {
    for (Slot s : slots) {
      s.abandoned = true;
      if (s.response != null) {
        s.response.release();
        s.response = null;
      }
      if (s.answer != null) {
        s.answer.cancel(false);
      }
    }
    slots.clear();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    closing = true;
    abandonAll();
    super.channelInactive(ctx);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    log.debug("connection {} failed", ctx.channel(), cause);
    ctx.close();
  }

  private static final class Slot {
    final boolean keepAlive;
    CompletableFuture<FullHttpResponse> answer;
    FullHttpResponse response;
    boolean abandoned;

    Slot(boolean keepAlive) {
      this.keepAlive = keepAlive;
    }
  }
}
