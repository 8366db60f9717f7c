package io.kubedirect.examples.faas.stats;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends each stat to a {@link StatsServer} ({@code POST http://host:port/stats}), synchronously on
 * the reporter's thread (the activator reports on its own stat thread). A stat that cannot be
 * delivered is dropped and counted, as Knative drops stats while the autoscaler is unreachable: the
 * next report (every second) carries the load again.
 */
public final class HttpStatSink implements StatSink {

  private static final Logger log = LoggerFactory.getLogger(HttpStatSink.class);

  private final URI uri;
  private final HttpClient http;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();

  /** A sink posting to the stat intake at {@code host:port}. */
  public HttpStatSink(String host, int port) {
    Objects.requireNonNull(host, "host");
    this.uri =
        URI.create(
            "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/stats");
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2))
            .build();
  }

  @Override
  public void record(RevisionKey key, Stat stat) {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(Duration.ofSeconds(2))
            .POST(HttpRequest.BodyPublishers.ofString(StatsWire.encode(key, stat)))
            .build();
    try {
      int status = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
      if (status / 100 == 2) {
        sent.incrementAndGet();
        return;
      }
      log.warn("stats to {}: HTTP {}", uri, status);
    } catch (IOException e) {
      log.debug("stats to {}: {}", uri, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    dropped.incrementAndGet();
  }

  /** Stats delivered. */
  public long sent() {
    return sent.get();
  }

  /** Stats dropped (autoscaler unreachable or refusing). */
  public long dropped() {
    return dropped.get();
  }
}
