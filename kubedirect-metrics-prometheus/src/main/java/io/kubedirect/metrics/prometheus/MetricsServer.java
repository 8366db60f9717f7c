package io.kubedirect.metrics.prometheus;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.zip.GZIPOutputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP server (the JDK's {@code com.sun.net.httpserver}) for one process's metrics and
 * probes:
 *
 * <ul>
 *   <li>{@code GET /metrics}: the registry in the Prometheus text format 0.0.4, or OpenMetrics
 *       1.0.0 when the request's {@code Accept} header asks for {@code
 *       application/openmetrics-text}; gzip when accepted;
 *   <li>{@code GET /healthz}: 200 {@code ok} while the liveness check holds, else 503 (for a
 *       liveness probe);
 *   <li>{@code GET /readyz}: 200 {@code ok} while the readiness check holds, else 503 (for a
 *       readiness probe);
 *   <li>{@code GET} on a path added with {@link Builder#endpoint}: 200 with what its supplier
 *       returns, or 500 if the supplier fails;
 *   <li>anything else: 404, or 405 for a method other than GET and HEAD.
 * </ul>
 *
 * Two daemon threads serve the requests. {@link #close()} stops the server at once.
 */
public final class MetricsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  /** Content type of the Prometheus text format. */
  public static final String TEXT_FORMAT = "text/plain; version=0.0.4; charset=utf-8";

  /** Content type of OpenMetrics. */
  public static final String OPENMETRICS_FORMAT =
      "application/openmetrics-text; version=1.0.0; charset=utf-8";

  private final HttpServer server;
  private final ExecutorService executor;
  private final PrometheusMeterRegistry registry;
  private final BooleanSupplier liveness;
  private final Map<String, Endpoint> endpoints;
  private final BooleanSupplier readiness;

  private MetricsServer(Builder b) throws IOException {
    this.registry = b.registry;
    this.liveness = b.liveness;
    this.readiness = b.readiness;
    this.endpoints = Map.copyOf(b.endpoints);
    this.server = HttpServer.create(new InetSocketAddress(b.host, b.port), 16);
    AtomicInteger n = new AtomicInteger();
    this.executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "kubedirect-metrics-http-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
    log.info("serving /metrics, /healthz and /readyz on {}", uri());
  }

  /** A builder serving {@code registry}. */
  public static Builder builder(PrometheusMeterRegistry registry) {
    return new Builder(registry);
  }

  /** The bound address (with the actual port when port 0 was asked for). */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** {@code http://host:port} of the server. */
  public URI uri() {
    InetSocketAddress a = address();
    String host =
        a.getAddress().isAnyLocalAddress() ? "127.0.0.1" : a.getAddress().getHostAddress();
    return URI.create(
        "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort());
  }

  /** Stops serving at once. Idempotent. */
  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void handle(HttpExchange ex) throws IOException {
    try (ex) {
      String method = ex.getRequestMethod();
      boolean head = "HEAD".equals(method);
      if (!head && !"GET".equals(method)) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        respond(ex, 405, "text/plain; charset=utf-8", "method not allowed\n", head);
        return;
      }
      switch (ex.getRequestURI().getPath()) {
        case "/metrics" -> metrics(ex, head);
        case "/healthz" -> probe(ex, liveness, head);
        case "/readyz" -> probe(ex, readiness, head);
        default -> {
          Endpoint e = endpoints.get(ex.getRequestURI().getPath());
          if (e == null) {
            respond(
                ex,
                404,
                "text/plain; charset=utf-8",
                "not found: try /metrics, /healthz or /readyz\n",
                head);
          } else {
            endpoint(ex, e, head);
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      log.debug("metrics request {} failed: {}", ex.getRequestURI(), e.toString());
    }
  }

  private void metrics(HttpExchange ex, boolean head) throws IOException {
    String accept = ex.getRequestHeaders().getFirst("Accept");
    String type =
        accept != null && accept.contains("application/openmetrics-text")
            ? OPENMETRICS_FORMAT
            : TEXT_FORMAT;
    ByteArrayOutputStream body = new ByteArrayOutputStream(64 * 1024);
    registry.scrape(body, type);
    String encoding = ex.getRequestHeaders().getFirst("Accept-Encoding");
    byte[] bytes = body.toByteArray();
    if (encoding != null && encoding.toLowerCase(Locale.ROOT).contains("gzip")) {
      ByteArrayOutputStream zipped = new ByteArrayOutputStream(bytes.length / 4 + 64);
      try (GZIPOutputStream gz = new GZIPOutputStream(zipped)) {
        gz.write(bytes);
      }
      bytes = zipped.toByteArray();
      ex.getResponseHeaders().set("Content-Encoding", "gzip");
    }
    respond(ex, 200, type, bytes, head);
  }

  private static void endpoint(HttpExchange ex, Endpoint e, boolean head) throws IOException {
    String body;
    try {
      body = e.body().get();
    } catch (RuntimeException failure) {
      log.debug("{} failed: {}", ex.getRequestURI(), failure.toString());
      respond(ex, 500, "text/plain; charset=utf-8", "failed: " + failure + "\n", head);
      return;
    }
    respond(ex, 200, e.contentType(), body, head);
  }

  private record Endpoint(String contentType, Supplier<String> body) {}

  private static void probe(HttpExchange ex, BooleanSupplier check, boolean head)
      throws IOException {
    boolean ok;
    try {
      ok = check.getAsBoolean();
    } catch (RuntimeException e) {
      ok = false;
    }
    respond(ex, ok ? 200 : 503, "text/plain; charset=utf-8", ok ? "ok\n" : "not ok\n", head);
  }

  private static void respond(HttpExchange ex, int status, String type, String body, boolean head)
      throws IOException {
    respond(ex, status, type, body.getBytes(StandardCharsets.UTF_8), head);
  }

  private static void respond(HttpExchange ex, int status, String type, byte[] body, boolean head)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    if (head) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  /** Configures a {@link MetricsServer}. */
  public static final class Builder {
    private final PrometheusMeterRegistry registry;
    private String host = "0.0.0.0";
    private int port = 9090;
    private BooleanSupplier liveness = () -> true;
    private BooleanSupplier readiness = () -> true;
    private final Map<String, Endpoint> endpoints = new LinkedHashMap<>();

    private Builder(PrometheusMeterRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The address to bind (default {@code 0.0.0.0}: all interfaces, as a pod needs). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host, "host");
      return this;
    }

    /** The port (default 9090; 0 picks a free one, see {@link MetricsServer#address()}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** What {@code /healthz} reports (default: always ok). */
    public Builder liveness(BooleanSupplier check) {
      this.liveness = Objects.requireNonNull(check, "check");
      return this;
    }

    /** What {@code /readyz} reports (default: always ok). */
    public Builder readiness(BooleanSupplier check) {
      this.readiness = Objects.requireNonNull(check, "check");
      return this;
    }

    /**
     * Also serves {@code GET path} (e.g. {@code /stage-times}): 200 with {@code body}'s result as
     * {@code contentType} (e.g. {@code application/json}), computed per request.
     *
     * @throws IllegalArgumentException if {@code path} does not start with {@code /} or is one of
     *     the built-in paths
     */
    public Builder endpoint(String path, String contentType, Supplier<String> body) {
      Objects.requireNonNull(path, "path");
      if (!path.startsWith("/")
          || java.util.List.of("/metrics", "/healthz", "/readyz").contains(path)) {
        throw new IllegalArgumentException(
            "endpoint path must start with / and not be /metrics, /healthz or /readyz: " + path);
      }
      endpoints.put(
          path,
          new Endpoint(
              Objects.requireNonNull(contentType, "contentType"),
              Objects.requireNonNull(body, "body")));
      return this;
    }

    /**
     * Binds and starts serving.
     *
     * @throws UncheckedIOException if the address cannot be bound
     */
    public MetricsServer start() {
      try {
        return new MetricsServer(this);
      } catch (IOException e) {
        throw new UncheckedIOException(
            "cannot serve metrics on " + host + ":" + port + ": " + e.getMessage(), e);
      }
    }
  }
}
