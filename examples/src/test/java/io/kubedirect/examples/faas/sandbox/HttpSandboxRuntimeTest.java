package io.kubedirect.examples.faas.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.http.HttpResponses;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Real loopback sandboxes: answers, container concurrency, cold start, stop/drain, stats. */
class HttpSandboxRuntimeTest {

  private final List<Stat> stats = new CopyOnWriteArrayList<>();
  private final HttpSandboxRuntime runtime =
      HttpSandboxRuntime.builder()
          .statSink(
              (key, stat) -> {
                if (key.equals(new RevisionKey("ns", "fn"))) {
                  stats.add(stat);
                }
              })
          .build();
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @AfterEach
  void close() {
    runtime.close();
  }

  private CompletableFuture<HttpResponse<String>> post(
      String address, String body, boolean proxied) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + address + "/fn/ns/fn"))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (proxied) {
      b.header(HttpResponses.PROXY_HEADER, HttpResponses.PROXY_VALUE);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersWithTheBodyAfterTheServiceTime() throws Exception {
    runtime.start("ns/p1", SandboxPods.pod("ns", "p1", "fn", 50, 0));
    String address = runtime.address("ns/p1");
    assertThat(address).startsWith("127.0.0.1:");
    long start = System.nanoTime();
    HttpResponse<String> r = post(address, "hello", false).get();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("hello");
    assertThat(r.headers().firstValue(HttpResponses.POD_HEADER)).hasValue("ns/p1");
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(50));
    assertThat(runtime.sandbox("ns/p1").orElseThrow().served()).isEqualTo(1);
    assertThat(runtime.coldStart(SandboxPods.pod("ns", "p1", "fn", 50, 0)))
        .isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void runsAtMostContainerConcurrencyRequestsAndQueuesTheRest() {
    runtime.start("ns/p1", SandboxPods.pod("ns", "p1", "fn", 100, 1));
    String address = runtime.address("ns/p1");
    long start = System.nanoTime();
    List<CompletableFuture<HttpResponse<String>>> rs =
        IntStream.range(0, 3).mapToObj(i -> post(address, "r" + i, false)).toList();
    rs.forEach(f -> assertThat(f.join().statusCode()).isEqualTo(200));
    // one at a time: three service times
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(300));
    HttpSandbox s = runtime.sandbox("ns/p1").orElseThrow();
    assertThat(s.peakConcurrency()).isEqualTo(3); // sent straight to it, not through an activator
    assertThat(s.concurrency()).isZero();
  }

  @Test
  void aStoppedSandboxFinishesWhatItRunsThenRefusesConnections() throws Exception {
    runtime.start("ns/p1", SandboxPods.pod("ns", "p1", "fn", 300, 0));
    String address = runtime.address("ns/p1");
    HttpSandbox s = runtime.sandbox("ns/p1").orElseThrow();
    CompletableFuture<HttpResponse<String>> running = post(address, "late", false);
    await().atMost(Duration.ofSeconds(5)).until(() -> s.concurrency() == 1);
    runtime.stop("ns/p1");
    assertThat(runtime.address("ns/p1")).isNull();
    assertThat(runtime.running()).isZero();
    assertThat(running.get().statusCode()).isEqualTo(200);
    assertThat(running.get().body()).isEqualTo("late");
    assertThat(s.isDraining()).isTrue();
    await().atMost(Duration.ofSeconds(5)).until(() -> !s.isListening());
    // On the kept-alive connection, for the linger: refused with the draining 503 (never run, never
    // cut off).
    try {
      HttpResponse<String> lingering = post(address, "x", false).join();
      assertThat(lingering.statusCode()).isEqualTo(503);
      assertThat(lingering.headers().firstValue(HttpResponses.DRAINING_HEADER)).hasValue("true");
    } catch (CompletionException e) {
      assertThat(e).hasCauseInstanceOf(ConnectException.class); // the linger was over already
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThatThrownBy(() -> post(address, "x", false).join())
                    .hasCauseInstanceOf(ConnectException.class));
  }

  @Test
  void startingAgainUnderTheSameKeyReplacesTheSandbox() {
    runtime.start("ns/p1", SandboxPods.pod("ns", "p1", "fn", 0, 0));
    HttpSandbox first = runtime.sandbox("ns/p1").orElseThrow();
    runtime.start("ns/p1", SandboxPods.pod("ns", "p1", "fn", 0, 0));
    HttpSandbox second = runtime.sandbox("ns/p1").orElseThrow();
    assertThat(second).isNotSameAs(first);
    assertThat(first.isDraining()).isTrue();
    assertThat(runtime.running()).isEqualTo(1);
    assertThat(post(second.address(), "b", false).join().statusCode()).isEqualTo(200);
  }

  @Test
  void reportsStatsEverySecondWithProxiedRequestsApart() throws IOException {
    runtime.start("ns/p1", SandboxPods.pod("ns", "p1", "fn", 0, 0));
    String address = runtime.address("ns/p1");
    post(address, "a", true).join();
    post(address, "b", false).join();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> stats.stream().mapToDouble(Stat::requestCount).sum() >= 2);
    assertThat(stats.stream().mapToDouble(Stat::requestCount).sum()).isEqualTo(2);
    assertThat(stats.stream().mapToDouble(Stat::proxiedRequestCount).sum()).isEqualTo(1);
    assertThat(stats).allSatisfy(st -> assertThat(st.podName()).isEqualTo("p1"));
  }
}
