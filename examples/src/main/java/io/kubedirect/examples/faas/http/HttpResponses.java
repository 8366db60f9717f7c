package io.kubedirect.examples.faas.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Small builders for the plain-text answers of the activator and the sandboxes, and the headers
 * they share.
 */
public final class HttpResponses {

  /**
   * Set by the activator on every request it proxies (Knative's {@code K-Proxy-Request:
   * activator}); a sandbox counts such requests as proxied in its stats, so the autoscaler does not
   * count them twice.
   */
  public static final String PROXY_HEADER = "K-Proxy-Request";

  /** The value of {@link #PROXY_HEADER} the activator sends. */
  public static final String PROXY_VALUE = "activator";

  /** Response header naming the pod ({@code namespace/name}) whose sandbox answered. */
  public static final String POD_HEADER = "X-Kubedirect-Pod";

  /**
   * Response header of a sandbox that refuses a request because it is stopping (its pod was
   * deleted); the request was not run, so the activator sends it to another sandbox.
   */
  public static final String DRAINING_HEADER = "X-Kubedirect-Sandbox-Draining";

  /**
   * Response header of the activator's own refusals: {@code queue-full}, {@code timeout}, {@code
   * stopping}.
   */
  public static final String REJECT_HEADER = "X-Kubedirect-Reject";

  /**
   * Response header the activator adds ({@code true}) to a sandbox's answer when the request found
   * its function without a ready sandbox on arrival (a cold start: it waited for one to start).
   */
  public static final String COLD_START_HEADER = "X-Kubedirect-Cold-Start";

  private HttpResponses() {}

  /** A response with a {@code text/plain} body of {@code message} and a newline. */
  public static FullHttpResponse text(HttpResponseStatus status, String message) {
    ByteBuf body = Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8");
    r.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
    return r;
  }
}
