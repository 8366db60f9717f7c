package io.kubedirect.examples.faas.activator;

import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.http.HttpResponses;
import io.kubedirect.examples.faas.http.OrderedHttpHandler;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.AsciiString;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane's front door (Knative's activator): an HTTP/1.1 server on loopback that takes
 * {@code POST /fn/<namespace>/<function>}, buffers the request while the function has no capacity,
 * and proxies it, body and end-to-end headers unchanged (plus {@code K-Proxy-Request: activator}),
 * to one of the function's ready sandboxes, whose answer it relays.
 *
 * <ul>
 *   <li>Capacity per function: a {@link FunctionThrottler} over the sandboxes that the {@link
 *       SandboxSource} reports ready, at most {@code containerConcurrency} requests in flight per
 *       sandbox (0 = unlimited).
 *   <li>Buffering: a FIFO queue per function of at most {@link Builder#queueDepth} requests
 *       (Knative's 10,000). A request that finds the queue full, or waits longer than {@link
 *       Builder#queueTimeout} in total, is answered 503 with a plain-text body that says which, and
 *       header {@link HttpResponses#REJECT_HEADER} ({@code queue-full} / {@code timeout}); both are
 *       counted in {@link #metrics()}.
 *   <li>Proxying: keep-alive connection pools per sandbox. A request that could not reach a sandbox
 *       (connection refused, or the sandbox is stopping) goes back to the head of the queue and to
 *       another sandbox (at most {@link Builder#maxRetries} times; the sandbox is skipped for a
 *       cool-down). No answer within {@link Builder#responseTimeout}: 504; a connection lost after
 *       sending: 502.
 *   <li>Stats: the time-averaged number of requests in the activator (waiting or proxied) per
 *       function, every second, plus an immediate stat on the first request of an idle function, to
 *       a {@link StatSink} (Knative's concurrency reporter; see {@link ConcurrencyReporter}).
 *   <li>Cold starts: a sandbox's answer to a request that found no ready sandbox of its function on
 *       arrival carries {@link HttpResponses#COLD_START_HEADER} {@code true}.
 *   <li>Other answers: {@code GET /healthz} 200; an unknown function ({@link SandboxSource#knows})
 *       or another path 404 (before the source has synced, a request for a function it does not
 *       know yet waits for the sync, at most {@link Builder#queueTimeout}); a malformed path or
 *       HTTP 400; a method other than POST 405; a body over {@link Builder#maxRequestBytes} 413.
 * </ul>
 *
 * <p>{@link #stop()} answers waiting requests 503 ({@code stopping}) and forgets all state but the
 * counters.
 */
public final class Activator implements SliceStage {

  private static final Logger log = LoggerFactory.getLogger(Activator.class);

  /** How often stats are reported (Knative's activator reporting period). */
  public static final Duration REPORT_PERIOD = Duration.ofSeconds(1);

  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern FUNCTION =
      Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Set<AsciiString> HOP_BY_HOP =
      Set.of(
          HttpHeaderNames.CONNECTION,
          AsciiString.cached("keep-alive"),
          HttpHeaderNames.PROXY_AUTHENTICATE,
          HttpHeaderNames.PROXY_AUTHORIZATION,
          HttpHeaderNames.TE,
          HttpHeaderNames.TRAILER,
          HttpHeaderNames.TRANSFER_ENCODING,
          HttpHeaderNames.UPGRADE,
          HttpHeaderNames.HOST,
          HttpHeaderNames.CONTENT_LENGTH,
          HttpHeaderNames.EXPECT);

  private final SandboxSource source;
  private final StatSink statSink;
  private final String name;
  private final int port;
  private final int queueDepth;
  private final Duration queueTimeout;
  private final Duration responseTimeout;
  private final Duration connectTimeout;
  private final Duration coolDown;
  private final int maxRetries;
  private final int ioThreads;
  private final int maxRequestBytes;
  private final ActivatorMetrics metrics = new ActivatorMetrics();

  private final Map<RevisionKey, FunctionThrottler> throttlers = new ConcurrentHashMap<>();
  private volatile Running running;

  private Activator(Builder b) {
    this.source = b.source;
    this.statSink = b.statSink;
    this.name = b.name;
    this.port = b.port;
    this.queueDepth = b.queueDepth;
    this.queueTimeout = b.queueTimeout;
    this.responseTimeout = b.responseTimeout;
    this.connectTimeout = b.connectTimeout;
    this.coolDown = b.coolDown;
    this.maxRetries = b.maxRetries;
    this.ioThreads = b.ioThreads;
    this.maxRequestBytes = b.maxRequestBytes;
  }

  /** A builder for an activator that learns ready sandboxes from {@code source}. */
  public static Builder builder(SandboxSource source) {
    return new Builder(source);
  }

  /** What one start of the activator holds; dropped by {@link #stop()}. */
  private record Running(
      EventLoopGroup group,
      Channel server,
      ChannelGroup connections,
      ProxyClient proxy,
      ScheduledExecutorService statExecutor,
      ConcurrencyReporter reporter) {}

  @Override
  public synchronized void start() {
    if (running != null) {
      return;
    }
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            ioThreads, new DefaultThreadFactory("activator-io", true), NioIoHandler.newFactory());
    ScheduledExecutorService statExecutor =
        Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("activator-stats", true));
    ConcurrencyReporter reporter =
        new ConcurrencyReporter(name, statSink, statExecutor, System::nanoTime);
    long period = REPORT_PERIOD.toMillis();
    statExecutor.scheduleAtFixedRate(
        () -> {
          try {
            reporter.report();
          } catch (RuntimeException e) {
            log.warn("stat report failed", e);
          }
        },
        period,
        period,
        TimeUnit.MILLISECONDS);
    ProxyClient proxy = new ProxyClient(group, connectTimeout, maxRequestBytes);
    ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    Channel server;
    try {
      server =
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
                          .addLast("aggregate", new HttpObjectAggregator(maxRequestBytes))
                          .addLast(
                              "activator",
                              new OrderedHttpHandler() {
                                @Override
                                protected CompletableFuture<FullHttpResponse> handle(
                                    ChannelHandlerContext ctx, FullHttpRequest request) {
                                  return Activator.this.handle(request);
                                }
                              });
                    }
                  })
              .bind("127.0.0.1", port)
              .syncUninterruptibly()
              .channel();
    } catch (RuntimeException e) {
      proxy.close();
      statExecutor.shutdownNow();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
      throw e;
    }
    running = new Running(group, server, connections, proxy, statExecutor, reporter);
    source.start(this::sandboxesChanged);
    log.info("activator {} listening on {}", name, server.localAddress());
  }

  @Override
  public void stop() {
    Running r;
    synchronized (this) {
      r = running;
      running = null;
    }
    if (r == null) {
      return;
    }
    source.stop();
    r.server().close().syncUninterruptibly();
    for (FunctionThrottler t : throttlers.values()) {
      for (FunctionThrottler.Waiter w : t.drainWaiting()) {
        metrics.rejectedStopping.increment();
        ((Exchange) w).finish(reject("stopping", "activator: stopping"));
      }
    }
    throttlers.clear();
    r.connections()
        .close()
        .syncUninterruptibly(); // after the 503s above: each loop writes, then closes
    r.proxy().close();
    r.statExecutor().shutdownNow();
    r.group().shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    log.info("activator {} stopped", name);
  }

  @Override
  public boolean isRunning() {
    return running != null;
  }

  @Override
  public boolean hasSynced() {
    return running != null && source.hasSynced();
  }

  /**
   * Where it listens ({@code 127.0.0.1} and the bound port). @throws IllegalStateException if not
   * running
   */
  public InetSocketAddress address() {
    Running r = running;
    if (r == null) {
      throw new IllegalStateException("activator is not running");
    }
    return (InetSocketAddress) r.server().localAddress();
  }

  /** The counters (kept across restarts). */
  public ActivatorMetrics metrics() {
    return metrics;
  }

  /** Requests of {@code function} waiting for capacity now. */
  public int waiting(RevisionKey function) {
    FunctionThrottler t = throttlers.get(function);
    return t == null ? 0 : t.waiting();
  }

  /**
   * Requests of {@code function} in the activator now (waiting or proxied), as the stats count
   * them.
   */
  public int concurrency(RevisionKey function) {
    Running r = running;
    return r == null ? 0 : r.reporter().concurrency(function);
  }

  /** The ready sandboxes of {@code function} the activator routes to now. */
  public List<SandboxEndpoint> sandboxes(RevisionKey function) {
    FunctionThrottler t = throttlers.get(function);
    return t == null ? List.of() : t.sandboxes();
  }

  private void sandboxesChanged(RevisionKey function, Set<SandboxEndpoint> ready) {
    log.debug("{}: {} ready sandboxes", function, ready.size());
    throttler(function).update(ready);
  }

  private FunctionThrottler throttler(RevisionKey function) {
    return throttlers.computeIfAbsent(
        function, k -> new FunctionThrottler(k, queueDepth, System::nanoTime));
  }

  private CompletableFuture<FullHttpResponse> handle(FullHttpRequest request) {
    String path = new QueryStringDecoder(request.uri()).path();
    if ("/healthz".equals(path) && HttpMethod.GET.equals(request.method())) {
      return done(HttpResponses.text(HttpResponseStatus.OK, "ok"));
    }
    if (!path.startsWith("/fn/")) {
      metrics.notFound.increment();
      return done(
          HttpResponses.text(
              HttpResponseStatus.NOT_FOUND,
              "activator: no route for "
                  + path
                  + " (requests go to POST /fn/<namespace>/<function>)"));
    }
    String[] parts = path.substring("/fn/".length()).split("/", -1);
    if (parts.length != 2
        || !NAMESPACE.matcher(parts[0]).matches()
        || !FUNCTION.matcher(parts[1]).matches()) {
      metrics.badRequests.increment();
      return done(
          HttpResponses.text(
              HttpResponseStatus.BAD_REQUEST,
              "activator: malformed path " + path + ", expected /fn/<namespace>/<function>"));
    }
    if (!HttpMethod.POST.equals(request.method())) {
      metrics.badRequests.increment();
      FullHttpResponse r =
          HttpResponses.text(
              HttpResponseStatus.METHOD_NOT_ALLOWED,
              "activator: " + request.method() + " not allowed, use POST");
      r.headers().set(HttpHeaderNames.ALLOW, "POST");
      return done(r);
    }
    RevisionKey function = new RevisionKey(parts[0], parts[1]);
    Running r = running;
    if (r == null) {
      metrics.rejectedStopping.increment();
      return done(reject("stopping", "activator: stopping"));
    }
    if (!source.knows(function) && !source.hasSynced()) {
      // Just (re)started: the function may exist, its source has not listed it yet.
      return afterSourceSynced(r, request, System.nanoTime() + queueTimeout.toNanos());
    }
    if (!source.knows(function)) {
      metrics.notFound.increment();
      return done(
          HttpResponses.text(
              HttpResponseStatus.NOT_FOUND, "activator: unknown function " + function));
    }
    metrics.received.increment();
    Exchange x = new Exchange(r, function, throttler(function), request);
    x.dispatch(false);
    return x.result;
  }

  /**
   * Handles {@code request} once the sandbox source has synced (a function it does not know then is
   * unknown indeed); a 503 {@code timeout} if it has not synced by {@code deadline}.
   */
  private CompletableFuture<FullHttpResponse> afterSourceSynced(
      Running r, FullHttpRequest request, long deadline) {
    CompletableFuture<FullHttpResponse> out = new CompletableFuture<>();
    request.retain();
    Runnable check =
        new Runnable() {
          @Override
          public void run() {
            if (source.hasSynced() || running != r) {
              try {
                handle(request)
                    .whenComplete(
                        (resp, ex) -> {
                          if (ex != null) {
                            out.completeExceptionally(ex);
                          } else {
                            out.complete(resp);
                          }
                        });
              } finally {
                request.release();
              }
            } else if (System.nanoTime() - deadline > 0) {
              request.release();
              metrics.rejectedTimeout.increment();
              out.complete(
                  reject(
                      "timeout",
                      "activator: its sandbox source did not sync within "
                          + queueTimeout.toMillis()
                          + " ms"));
            } else {
              r.group().schedule(this, 20, TimeUnit.MILLISECONDS);
            }
          }
        };
    r.group().schedule(check, 20, TimeUnit.MILLISECONDS);
    return out;
  }

  private static CompletableFuture<FullHttpResponse> done(FullHttpResponse response) {
    return CompletableFuture.completedFuture(response);
  }

  private static FullHttpResponse reject(String reason, String message) {
    FullHttpResponse r = HttpResponses.text(HttpResponseStatus.SERVICE_UNAVAILABLE, message);
    r.headers().set(HttpResponses.REJECT_HEADER, reason);
    return r;
  }

  private static HttpHeaders endToEnd(HttpHeaders in) {
    HttpHeaders out = new DefaultHttpHeaders();
    for (Map.Entry<String, String> h : in) {
      if (!HOP_BY_HOP.contains(AsciiString.of(h.getKey().toLowerCase(java.util.Locale.ROOT)))) {
        out.add(h.getKey(), h.getValue());
      }
    }
    return out;
  }

  /** One client request on its way through the activator. */
  private final class Exchange implements FunctionThrottler.Waiter {
    final Running run;
    final RevisionKey function;
    final FunctionThrottler throttler;
    final ByteBuf body;
    final HttpHeaders headers;
    final String uri;
    final long deadline;
    final boolean cold;
    final CompletableFuture<FullHttpResponse> result = new CompletableFuture<>();
    private int attempts;
    private boolean waitedOnce;
    private volatile ScheduledFuture<?> timer;

    Exchange(
        Running run, RevisionKey function, FunctionThrottler throttler, FullHttpRequest request) {
      this.run = run;
      this.function = function;
      this.throttler = throttler;
      this.body = request.content().retainedDuplicate();
      this.headers = endToEnd(request.headers());
      this.uri = request.uri();
      this.deadline = System.nanoTime() + queueTimeout.toNanos();
      this.cold = throttler.noSandbox();
      run.reporter().requestIn(function);
      result.whenComplete(
          (response, error) -> {
            run.reporter().requestOut(function);
            cancelTimer();
            body.release();
            if (result.isCancelled()) {
              metrics.abandoned.increment();
              throttler.cancel(this);
            }
          });
    }

    void dispatch(boolean front) {
      if (result.isDone()) {
        return;
      }
      FunctionThrottler.Lease lease;
      try {
        lease = throttler.acquire(this, front);
      } catch (FunctionThrottler.QueueFullException e) {
        metrics.rejectedQueueFull.increment();
        finish(reject("queue-full", "activator: queue full: " + e.getMessage()));
        return;
      }
      if (lease != null) {
        send(lease);
        return;
      }
      if (!waitedOnce) {
        waitedOnce = true;
        metrics.queued.increment();
      }
      long remaining = Math.max(0, deadline - System.nanoTime());
      timer = run.group().schedule(this::expire, remaining, TimeUnit.NANOSECONDS);
      if (result.isDone()) {
        throttler.cancel(this); // abandoned while being queued
      }
    }

    private void expire() {
      if (throttler.cancel(this)) {
        metrics.rejectedTimeout.increment();
        finish(
            reject(
                "timeout",
                "activator: no sandbox of "
                    + function
                    + " had capacity within "
                    + queueTimeout.toMillis()
                    + " ms"));
      }
    }

    @Override
    public void granted(FunctionThrottler.Lease lease) {
      cancelTimer();
      if (result.isDone()) {
        lease.release();
        return;
      }
      send(lease);
    }

    private void cancelTimer() {
      ScheduledFuture<?> t = timer;
      if (t != null) {
        t.cancel(false);
      }
    }

    private void send(FunctionThrottler.Lease lease) {
      attempts++;
      SandboxEndpoint target = lease.endpoint();
      FullHttpRequest out =
          new DefaultFullHttpRequest(
              HttpVersion.HTTP_1_1, HttpMethod.POST, uri, body.retainedDuplicate());
      out.headers().set(headers);
      out.headers().set(HttpHeaderNames.HOST, target.host() + ":" + target.port());
      out.headers().set(HttpResponses.PROXY_HEADER, HttpResponses.PROXY_VALUE);
      HttpUtil.setContentLength(out, out.content().readableBytes());
      CompletableFuture<FullHttpResponse> sent;
      try {
        sent = run.proxy().send(target.address(), out, responseTimeout);
      } catch (RuntimeException e) { // the pool map is closed: the activator is stopping
        lease.release();
        metrics.rejectedStopping.increment();
        finish(reject("stopping", "activator: stopping"));
        return;
      }
      sent.whenComplete((response, error) -> relay(lease, response, error));
    }

    private void relay(FunctionThrottler.Lease lease, FullHttpResponse response, Throwable error) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      boolean draining =
          response != null && response.headers().contains(HttpResponses.DRAINING_HEADER);
      if (draining || cause instanceof ProxyClient.NotSentException) {
        if (response != null) {
          response.release();
        }
        throttler.markUnhealthy(lease.tracker(), coolDown);
        lease.release();
        run.group().schedule(throttler::dispatch, coolDown.toNanos(), TimeUnit.NANOSECONDS);
        if (attempts > maxRetries) {
          metrics.proxyErrors.increment();
          finish(
              HttpResponses.text(
                  HttpResponseStatus.BAD_GATEWAY,
                  "activator: no sandbox of "
                      + function
                      + " took the request after "
                      + attempts
                      + " attempts; last: "
                      + (draining
                          ? lease.endpoint().pod() + " is stopping"
                          : String.valueOf(cause.getMessage()))));
          return;
        }
        metrics.retries.increment();
        log.debug("{}: retrying after {} refused", function, lease.endpoint().pod());
        dispatch(true);
        return;
      }
      lease.release();
      if (cause instanceof TimeoutException) {
        metrics.proxyTimeouts.increment();
        finish(
            HttpResponses.text(
                HttpResponseStatus.GATEWAY_TIMEOUT, "activator: " + cause.getMessage()));
      } else if (cause != null) {
        metrics.proxyErrors.increment();
        finish(
            HttpResponses.text(
                HttpResponseStatus.BAD_GATEWAY,
                "activator: sandbox " + lease.endpoint().pod() + " failed: " + cause));
      } else {
        metrics.proxied.increment();
        FullHttpResponse back =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1, response.status(), response.content().retain());
        back.headers().set(endToEnd(response.headers()));
        if (cold) {
          back.headers().set(HttpResponses.COLD_START_HEADER, "true");
        }
        response.release();
        finish(back);
      }
    }

    void finish(FullHttpResponse response) {
      if (!result.complete(response)) {
        response.release();
      }
    }
  }

  /** Builder for {@link Activator}; {@link #build()} validates. */
  public static final class Builder {
    private final SandboxSource source;
    private StatSink statSink = StatSink.NONE;
    private String name = "activator";
    private int port;
    private int queueDepth = 10_000;
    private Duration queueTimeout = Duration.ofSeconds(60);
    private Duration responseTimeout = Duration.ofSeconds(60);
    private Duration connectTimeout = Duration.ofSeconds(1);
    private Duration coolDown = Duration.ofSeconds(1);
    private int maxRetries = 3;
    private int ioThreads = 2;
    private int maxRequestBytes = 4 << 20;

    private Builder(SandboxSource source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    /** Where the stats go (default: nowhere). */
    public Builder statSink(StatSink sink) {
      this.statSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /**
     * The reporter name in the stats (Knative: the activator pod's name; default {@code
     * activator}).
     */
    public Builder name(String name) {
      this.name = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Loopback port to listen on (default 0: a free one, see {@link Activator#address()}). */
    public Builder port(int port) {
      this.port = port;
      return this;
    }

    /**
     * Most requests one function may have waiting (default 10,000, Knative's breaker queue depth).
     */
    public Builder queueDepth(int depth) {
      this.queueDepth = depth;
      return this;
    }

    /** Longest total wait for capacity before a 503 (default 60 s). */
    public Builder queueTimeout(Duration timeout) {
      this.queueTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Longest wait for a sandbox's answer before a 504 (default 60 s). */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Connect timeout to a sandbox (default 1 s). */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** How long a sandbox that refused a request is skipped (default 1 s). */
    public Builder coolDown(Duration coolDown) {
      this.coolDown = Objects.requireNonNull(coolDown, "coolDown");
      return this;
    }

    /** How often one request is sent to another sandbox after a refusal (default 3). */
    public Builder maxRetries(int retries) {
      this.maxRetries = retries;
      return this;
    }

    /** Netty I/O threads (server and proxy; default 2). */
    public Builder ioThreads(int threads) {
      this.ioThreads = threads;
      return this;
    }

    /** Largest request (and response) body (default 4 MiB; larger requests get 413). */
    public Builder maxRequestBytes(int bytes) {
      this.maxRequestBytes = bytes;
      return this;
    }

    /**
     * @throws IllegalStateException if a number is out of range or a duration is not positive
     */
    public Activator build() {
      if (port < 0 || port > 65535) {
        throw new IllegalStateException("port must be 0..65535");
      }
      if (queueDepth < 0 || maxRetries < 0 || ioThreads < 1 || maxRequestBytes < 1) {
        throw new IllegalStateException(
            "need queueDepth >= 0, maxRetries >= 0, ioThreads >= 1, maxRequestBytes >= 1");
      }
      for (Duration d : List.of(queueTimeout, responseTimeout, connectTimeout, coolDown)) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalStateException("timeouts and the cool-down must be positive, got " + d);
        }
      }
      return new Activator(this);
    }
  }
}
