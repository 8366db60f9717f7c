package io.kubedirect.examples.faas.stats;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The autoscaler's stat intake for reporters in other processes: {@code POST /stats} with one stat
 * per line ({@link HttpStatSink} sends them) goes to the sink (the autoscaler). Answers 204, or 400
 * on a malformed body (the well-formed lines before it are taken). Plain HTTP: it carries load
 * figures, no objects; in a cluster a NetworkPolicy admits the activator only.
 */
public final class StatsServer implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(StatsServer.class);

  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicLong received = new AtomicLong();

  private StatsServer(HttpServer server, ExecutorService executor) {
    this.server = server;
    this.executor = executor;
  }

  /**
   * Listens at {@code host:port} (port 0: any free port) and feeds {@code sink}.
   *
   * @throws UncheckedIOException if the address cannot be bound
   */
  public static StatsServer start(String host, int port, StatSink sink) {
    Objects.requireNonNull(sink, "sink");
    HttpServer server;
    try {
      server = HttpServer.create(new InetSocketAddress(host, port), 64);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen for stats at " + host + ":" + port, e);
    }
    ExecutorService executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "stats-intake");
              t.setDaemon(true);
              return t;
            });
    StatsServer s = new StatsServer(server, executor);
    server.createContext("/stats", ex -> s.handle(ex, sink));
    server.setExecutor(executor);
    server.start();
    return s;
  }

  private void handle(HttpExchange ex, StatSink sink) throws IOException {
    try (ex) {
      if (!"POST".equals(ex.getRequestMethod())) {
        ex.sendResponseHeaders(405, -1);
        return;
      }
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      try {
        for (String line : body.split("\n")) {
          if (!line.isBlank()) {
            Map.Entry<RevisionKey, Stat> e = StatsWire.decode(line);
            received.incrementAndGet();
            sink.record(e.getKey(), e.getValue());
          }
        }
      } catch (IllegalArgumentException e) {
        log.warn("stats: {}", e.getMessage());
        ex.sendResponseHeaders(400, -1);
        return;
      }
      ex.sendResponseHeaders(204, -1);
    }
  }

  /** The bound address. */
  public InetSocketAddress address() {
    return server.getAddress();
  }

  /** Stats taken so far. */
  public long received() {
    return received.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
