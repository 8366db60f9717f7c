package io.kubedirect.examples.faas.sandbox;

import io.kubedirect.examples.faas.common.RequestStats;
import io.kubedirect.examples.faas.http.HttpResponses;
import io.kubedirect.examples.faas.http.OrderedHttpHandler;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One simulated sandbox that really answers HTTP: its own Netty server on a loopback port. Every
 * request (any path, any method but {@code GET /healthz}) is answered after the function's service
 * time with 200, the request body echoed, and {@link HttpResponses#POD_HEADER} naming the pod. At
 * most {@code containerConcurrency} requests run at once; the rest wait in arrival order, as in
 * Knative's queue-proxy. After {@link #drain()} the sandbox takes no new connections, refuses new
 * requests with 503 and {@link HttpResponses#DRAINING_HEADER} (not run: safe to send elsewhere),
 * answers those already running, and closes its connections {@link #LINGER} after it answered the
 * last of them.
 */
public final class HttpSandbox {

  private static final int MAX_BODY = 4 << 20;

  /**
   * How long a draining sandbox keeps its connections open once it holds no request. A request the
   * activator sent just before it learned that the sandbox is going may still be on its way on a
   * kept-alive connection; it gets the draining 503 (sent elsewhere) instead of a connection closed
   * under it, which would leave the activator unsure whether it ran (502). Queue-proxy's drain
   * period plays the same part in Knative.
   */
  static final Duration LINGER = Duration.ofSeconds(1);

  private final String podKey;
  private final RevisionKey function;
  private final SandboxSpec spec;
  private final LongSupplier nanoTime;
  private final Channel server;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private final InetSocketAddress address;

  private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
  private final RequestStats stats;
  private int running;
  private int concurrency;
  private int peakConcurrency;
  private long served;
  private boolean draining;

  private HttpSandbox(
      EventLoopGroup group,
      InetSocketAddress bindTo,
      String podKey,
      RevisionKey function,
      SandboxSpec spec,
      LongSupplier nanoTime) {
    this.podKey = podKey;
    this.function = function;
    this.spec = spec;
    this.nanoTime = nanoTime;
    this.stats = new RequestStats(nanoTime.getAsLong());
    this.server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch);
                    ch.pipeline()
                        .addLast("http", new HttpServerCodec())
                        .addLast("aggregate", new HttpObjectAggregator(MAX_BODY))
                        .addLast("sandbox", new Handler());
                  }
                })
            .bind(bindTo)
            .syncUninterruptibly()
            .channel();
    this.address = (InetSocketAddress) server.localAddress();
  }

  /** Binds a sandbox for {@code podKey} on a free loopback port of {@code group}. */
  static HttpSandbox start(
      EventLoopGroup group,
      String podKey,
      RevisionKey function,
      SandboxSpec spec,
      LongSupplier nanoTime) {
    return start(group, new InetSocketAddress("127.0.0.1", 0), podKey, function, spec, nanoTime);
  }

  /** Binds a sandbox for {@code podKey} on {@code bindTo} (port 0: a free one). */
  static HttpSandbox start(
      EventLoopGroup group,
      InetSocketAddress bindTo,
      String podKey,
      RevisionKey function,
      SandboxSpec spec,
      LongSupplier nanoTime) {
    return new HttpSandbox(group, bindTo, podKey, function, spec, nanoTime);
  }

  /** {@code namespace/name} of the pod. */
  public String podKey() {
    return podKey;
  }

  /** The function the pod belongs to, or null if the pod has no function label. */
  public RevisionKey function() {
    return function;
  }

  /** How it behaves. */
  public SandboxSpec spec() {
    return spec;
  }

  /** Where it listens, {@code host:port} (a loopback address). */
  public String address() {
    return address.getHostString() + ":" + address.getPort();
  }

  /** The port it listens on. */
  public int port() {
    return address.getPort();
  }

  /** Requests answered with 200. */
  public synchronized long served() {
    return served;
  }

  /** Requests received and not yet answered (running or waiting). */
  public synchronized int concurrency() {
    return concurrency;
  }

  /**
   * The most requests this sandbox ever held at once (running plus waiting). Behind an activator
   * that honours the container concurrency it never exceeds {@link
   * SandboxSpec#containerConcurrency()}.
   */
  public synchronized int peakConcurrency() {
    return peakConcurrency;
  }

  /** True once {@link #drain()} was called. */
  public synchronized boolean isDraining() {
    return draining;
  }

  /** True until its server socket is closed. */
  public boolean isListening() {
    return server.isOpen();
  }

  /**
   * The stat of the period since the previous call (Knative's queue-proxy report), for {@link
   * #function()}.
   */
  synchronized Stat report() {
    RequestStats.Report r = stats.report(nanoTime.getAsLong());
    String pod = podKey.substring(podKey.indexOf('/') + 1);
    return new Stat(
        pod,
        r.averageConcurrency(),
        r.averageProxiedConcurrency(),
        r.requestCount(),
        r.proxiedRequestCount());
  }

  /**
   * Stops taking connections and requests; running and waiting requests are still answered, then
   * the connections close (at the latest after {@code timeout}).
   */
  void drain(Duration timeout) {
    boolean idle;
    synchronized (this) {
      if (draining) {
        return;
      }
      draining = true;
      idle = concurrency == 0;
    }
    server.close();
    Duration wait = idle ? (timeout.compareTo(LINGER) < 0 ? timeout : LINGER) : timeout;
    server
        .eventLoop()
        .schedule(
            () -> {
              connections.close();
            },
            wait.toMillis(),
            TimeUnit.MILLISECONDS);
  }

  private CompletableFuture<FullHttpResponse> serve(
      ChannelHandlerContext ctx, FullHttpRequest request) {
    if (HttpMethod.GET.equals(request.method()) && "/healthz".equals(request.uri())) {
      return CompletableFuture.completedFuture(HttpResponses.text(HttpResponseStatus.OK, "ok"));
    }
    boolean proxied = request.headers().contains(HttpResponses.PROXY_HEADER);
    CompletableFuture<FullHttpResponse> answer = new CompletableFuture<>();
    ByteBuf body = request.content().retainedDuplicate();
    String contentType = request.headers().get(HttpHeaderNames.CONTENT_TYPE);
    Runnable run =
        () -> {
          long delay = spec.serviceTime().toNanos();
          Runnable respond = () -> answer(answer, body, contentType, proxied);
          if (delay == 0) {
            ctx.executor().execute(respond);
          } else {
            ctx.executor().schedule(respond, delay, TimeUnit.NANOSECONDS);
          }
        };
    boolean runNow;
    synchronized (this) {
      if (draining) {
        body.release();
        FullHttpResponse refused =
            HttpResponses.text(
                HttpResponseStatus.SERVICE_UNAVAILABLE, "sandbox " + podKey + " is stopping");
        refused.headers().set(HttpResponses.DRAINING_HEADER, "true");
        return CompletableFuture.completedFuture(refused);
      }
      concurrency++;
      peakConcurrency = Math.max(peakConcurrency, concurrency);
      stats.requestIn(nanoTime.getAsLong(), proxied);
      runNow = spec.containerConcurrency() == 0 || running < spec.containerConcurrency();
      if (runNow) {
        running++;
      } else {
        waiting.add(run);
      }
    }
    if (runNow) {
      run.run();
    }
    return answer;
  }

  private void answer(
      CompletableFuture<FullHttpResponse> answer,
      ByteBuf body,
      String contentType,
      boolean proxied) {
    FullHttpResponse response =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
    response
        .headers()
        .set(
            HttpHeaderNames.CONTENT_TYPE,
            contentType == null ? "application/octet-stream" : contentType);
    response.headers().set(HttpResponses.POD_HEADER, podKey);
    Runnable next;
    boolean closeNow;
    synchronized (this) {
      served++;
      concurrency--;
      stats.requestOut(nanoTime.getAsLong(), proxied);
      next = waiting.poll();
      if (next == null) {
        running--;
      }
      closeNow = draining && concurrency == 0;
    }
    if (!answer.complete(response)) {
      response.release(); // the client went away
    }
    if (next != null) {
      next.run();
    }
    if (closeNow) {
      // after the answer is written and the linger: the close runs on the connections' loops behind
      // pending writes
      GlobalEventExecutor.INSTANCE.schedule(
          () -> {
            connections.close();
          },
          LINGER.toMillis(),
          TimeUnit.MILLISECONDS);
    }
  }

  private final class Handler extends OrderedHttpHandler {
    @Override
    protected CompletableFuture<FullHttpResponse> handle(
        ChannelHandlerContext ctx, FullHttpRequest request) {
      return serve(ctx, request);
    }
  }
}
