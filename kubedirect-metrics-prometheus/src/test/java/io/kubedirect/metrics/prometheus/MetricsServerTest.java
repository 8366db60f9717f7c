package io.kubedirect.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsServerTest {

  private final HttpClient http = HttpClient.newHttpClient();
  private final AtomicBoolean live = new AtomicBoolean(true);
  private final AtomicBoolean ready = new AtomicBoolean(false);
  private PrometheusMeterRegistry registry;
  private MetricsServer server;

  @BeforeEach
  void start() {
    registry = KubeDirectPrometheus.newRegistry(Tag.of("pod", "scheduler-0"));
    Counter.builder("kubedirect.link.batches")
        .tag("stage", "scheduler")
        .tag("link", "10.0.0.1:7302")
        .tag("direction", "out")
        .register(registry)
        .increment(3);
    Timer.builder("kubedirect.writeback.lag")
        .tag("stage", "scheduler")
        .register(registry)
        .record(Duration.ofMillis(40));
    server =
        MetricsServer.builder(registry)
            .host("127.0.0.1")
            .port(0)
            .liveness(live::get)
            .readiness(ready::get)
            .start();
  }

  @AfterEach
  void stop() {
    server.close();
    registry.close();
  }

  private HttpResponse<String> get(String path, String... headers)
      throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri().resolve(path));
    if (headers.length > 0) {
      b.headers(headers);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesThePrometheusTextFormat() throws Exception {
    HttpResponse<String> r = get("/metrics");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type")).hasValue(MetricsServer.TEXT_FORMAT);
    assertThat(r.body())
        .contains("# TYPE kubedirect_link_batches_total counter")
        .contains(
            "kubedirect_link_batches_total{direction=\"out\",link=\"10.0.0.1:7302\",pod=\"scheduler-0\","
                + "stage=\"scheduler\"} 3.0")
        .as("kubedirect timers publish the histogram buckets")
        .contains(
            "kubedirect_writeback_lag_seconds_bucket{pod=\"scheduler-0\",stage=\"scheduler\",le=\"0.025\"} 0")
        .contains(
            "kubedirect_writeback_lag_seconds_bucket{pod=\"scheduler-0\",stage=\"scheduler\",le=\"0.05\"} 1")
        .contains(
            "kubedirect_writeback_lag_seconds_bucket{pod=\"scheduler-0\",stage=\"scheduler\",le=\"+Inf\"} 1");
    assertThat(
            r.body().lines().filter(l -> l.startsWith("kubedirect_writeback_lag_seconds_bucket")))
        .hasSize(KubeDirectPrometheus.BUCKETS.size() + 1);
    assertThat(server.address().getPort()).isPositive();
  }

  @Test
  void servesOpenMetricsWhenAskedAndGzipWhenAccepted() throws Exception {
    HttpResponse<String> om =
        get("/metrics", "Accept", "application/openmetrics-text; version=1.0.0");
    assertThat(om.headers().firstValue("Content-Type")).hasValue(MetricsServer.OPENMETRICS_FORMAT);
    assertThat(om.body()).contains("# TYPE kubedirect_link_batches counter").endsWith("# EOF\n");

    HttpResponse<byte[]> gz =
        http.send(
            HttpRequest.newBuilder(server.uri().resolve("/metrics"))
                .header("Accept-Encoding", "gzip")
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(gz.headers().firstValue("Content-Encoding")).hasValue("gzip");
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz.body()))) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8))
          .contains("kubedirect_link_batches_total");
    }
  }

  @Test
  void probesFollowTheirChecks() throws Exception {
    assertThat(get("/healthz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").statusCode()).isEqualTo(503);
    ready.set(true);
    assertThat(get("/readyz").statusCode()).isEqualTo(200);
    assertThat(get("/readyz").body()).isEqualTo("ok\n");
    live.set(false);
    assertThat(get("/healthz").statusCode()).isEqualTo(503);
  }

  @Test
  void otherPathsAndMethodsAreRefused() throws Exception {
    assertThat(get("/").statusCode()).isEqualTo(404);
    assertThat(get("/metrics/x").statusCode()).isEqualTo(404);
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(server.uri().resolve("/metrics"))
                .POST(HttpRequest.BodyPublishers.ofString("x"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD");
    HttpResponse<Void> head =
        http.send(
            HttpRequest.newBuilder(server.uri().resolve("/metrics"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertThat(head.statusCode()).isEqualTo(200);
  }

  @Test
  void servesAddedEndpointsPerRequestAndReportsTheirFailure() throws Exception {
    java.util.concurrent.atomic.AtomicInteger calls =
        new java.util.concurrent.atomic.AtomicInteger();
    MetricsServer extra =
        MetricsServer.builder(registry)
            .host("127.0.0.1")
            .port(0)
            .endpoint(
                "/stage-times", "application/json", () -> "{\"n\":" + calls.incrementAndGet() + "}")
            .endpoint(
                "/broken",
                "application/json",
                () -> {
                  throw new IllegalStateException("no data");
                })
            .start();
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(extra.uri().resolve("/stage-times"));
      HttpResponse<String> first = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      HttpResponse<String> second = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.headers().firstValue("Content-Type")).hasValue("application/json");
      assertThat(first.body()).isEqualTo("{\"n\":1}");
      assertThat(second.body()).isEqualTo("{\"n\":2}");
      HttpResponse<String> broken =
          http.send(
              HttpRequest.newBuilder(extra.uri().resolve("/broken")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(broken.statusCode()).isEqualTo(500);
      assertThat(broken.body()).contains("no data");
    } finally {
      extra.close();
    }
    assertThat(get("/stage-times").statusCode()).as("not added to this server").isEqualTo(404);
  }

  @Test
  void endpointsMayNotShadowTheBuiltInPaths() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> MetricsServer.builder(registry).endpoint("/readyz", "text/plain", () -> ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/readyz");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> MetricsServer.builder(registry).endpoint("stage-times", "text/plain", () -> ""))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMeterWithOtherLabelNamesIsLoggedNotThrown() {
    Counter.builder("kubedirect.link.batches")
        .tag("stage", "scheduler")
        .register(registry)
        .increment();
    assertThat(registry.scrape()).contains("kubedirect_link_batches_total{direction=\"out\"");
  }

  @Test
  void closeReleasesThePort() throws Exception {
    URI uri = server.uri();
    server.close();
    MetricsServer again =
        MetricsServer.builder(registry).host("127.0.0.1").port(uri.getPort()).start();
    try {
      assertThat(again.address().getPort()).isEqualTo(uri.getPort());
    } finally {
      again.close();
    }
  }
}
