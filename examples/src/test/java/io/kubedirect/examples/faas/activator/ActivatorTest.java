package io.kubedirect.examples.faas.activator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.http.HttpResponses;
import io.kubedirect.examples.faas.sandbox.HttpSandbox;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.faas.sandbox.SandboxPods;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.Reachability;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricCollector;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.kubedirect.examples.knative.autoscaler.scaling.Multiscaler;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The activator in front of real loopback sandboxes; readiness is fed by hand through a test
 * source.
 */
class ActivatorTest {

  private static final RevisionKey FN = new RevisionKey("ns", "fn");

  private final HttpSandboxRuntime runtime = HttpSandboxRuntime.create();
  private final TestSource source = new TestSource();
  private final List<Map.Entry<RevisionKey, Stat>> stats = new CopyOnWriteArrayList<>();
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Activator activator;

  @AfterEach
  void close() {
    if (activator != null) {
      activator.stop();
    }
    runtime.close();
  }

  /** Readiness set by the test. */
  private static final class TestSource implements SandboxSource {
    private volatile Listener listener;
    private final Set<RevisionKey> unknown = ConcurrentHashMap.newKeySet();
    private volatile boolean synced = true;
    private final java.util.concurrent.atomic.AtomicInteger asked =
        new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void start(Listener listener) {
      this.listener = listener;
    }

    @Override
    public void stop() {
      listener = null;
    }

    @Override
    public boolean hasSynced() {
      return listener != null && synced;
    }

    @Override
    public boolean knows(RevisionKey function) {
      asked.incrementAndGet();
      return !unknown.contains(function);
    }

    void ready(RevisionKey fn, Set<SandboxEndpoint> endpoints) {
      listener.sandboxesChanged(fn, endpoints);
    }
  }

  private Activator start(Activator.Builder b) {
    activator = b.statSink((k, s) -> stats.add(Map.entry(k, s))).build();
    activator.start();
    return activator;
  }

  /** Starts sandboxes {@code pods} of FN and returns their endpoints. */
  private Set<SandboxEndpoint> sandboxes(long serviceMs, int cc, String... pods) {
    Set<SandboxEndpoint> out = new HashSet<>();
    for (String p : pods) {
      runtime.start("ns/" + p, SandboxPods.pod("ns", p, "fn", serviceMs, cc));
      out.add(SandboxEndpoint.parse("ns/" + p, runtime.address("ns/" + p), cc));
    }
    return out;
  }

  private CompletableFuture<HttpResponse<String>> post(String path, String body) {
    return http.sendAsync(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + activator.address().getPort() + path))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private List<HttpResponse<String>> postMany(int n) {
    List<CompletableFuture<HttpResponse<String>>> fs =
        IntStream.range(0, n).mapToObj(i -> post("/fn/ns/fn", "req-" + i)).toList();
    return fs.stream().map(CompletableFuture::join).toList();
  }

  private static String pod(HttpResponse<?> r) {
    return r.headers().firstValue(HttpResponses.POD_HEADER).orElse(null);
  }

  @Test
  void requestsAtZeroWaitAndAreServedOnceASandboxIsReadyMarkedAsColdStarts() {
    start(Activator.builder(source));
    List<CompletableFuture<HttpResponse<String>>> fs =
        IntStream.range(0, 5).mapToObj(i -> post("/fn/ns/fn", "req-" + i)).toList();
    await().atMost(Duration.ofSeconds(10)).until(() -> activator.waiting(FN) == 5);
    assertThat(fs).noneMatch(CompletableFuture::isDone);

    source.ready(FN, sandboxes(0, 0, "p1"));
    for (int i = 0; i < 5; i++) {
      HttpResponse<String> r = fs.get(i).join();
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).isEqualTo("req-" + i); // the body went through both ways
      assertThat(pod(r)).isEqualTo("ns/p1");
      assertThat(r.headers().firstValue(HttpResponses.COLD_START_HEADER))
          .as("cold")
          .hasValue("true");
    }
    HttpResponse<String> warm = post("/fn/ns/fn", "warm").join();
    assertThat(warm.statusCode()).isEqualTo(200);
    assertThat(warm.headers().firstValue(HttpResponses.COLD_START_HEADER)).as("warm").isEmpty();
    ActivatorMetrics.Snapshot m = activator.metrics().snapshot();
    assertThat(m.received()).isEqualTo(6);
    assertThat(m.queued()).isEqualTo(5);
    assertThat(m.proxied()).isEqualTo(6);
    assertThat(m.rejected()).isZero();
    assertThat(activator.waiting(FN)).isZero();
  }

  @Test
  void neverSendsASandboxMoreThanItsContainerConcurrency() {
    start(Activator.builder(source));
    source.ready(FN, sandboxes(30, 1, "p1", "p2", "p3"));
    List<HttpResponse<String>> rs = postMany(30);
    assertThat(rs).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    assertThat(rs.stream().map(ActivatorTest::pod).collect(Collectors.toSet()))
        .containsExactlyInAnyOrder("ns/p1", "ns/p2", "ns/p3");
    for (HttpSandbox s : runtime.sandboxes()) {
      assertThat(s.peakConcurrency()).as(s.podKey()).isEqualTo(1);
    }
    assertThat(runtime.sandboxes().stream().mapToLong(HttpSandbox::served).sum()).isEqualTo(30);
  }

  @Test
  void largerContainerConcurrencyIsFilledButNotExceeded() {
    start(Activator.builder(source));
    source.ready(FN, sandboxes(50, 5, "p1", "p2"));
    List<HttpResponse<String>> rs = postMany(40);
    assertThat(rs).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    for (HttpSandbox s : runtime.sandboxes()) {
      assertThat(s.peakConcurrency()).as(s.podKey()).isBetween(1, 5);
      assertThat(s.served()).as(s.podKey()).isPositive();
    }
  }

  @Test
  void unlimitedConcurrencySpreadsOverTheSandboxes() {
    start(Activator.builder(source));
    source.ready(FN, sandboxes(50, 0, "p1", "p2"));
    List<HttpResponse<String>> rs = postMany(40);
    assertThat(rs).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(200));
    for (HttpSandbox s : runtime.sandboxes()) {
      assertThat(s.served()).as(s.podKey()).isPositive();
    }
  }

  @Test
  void aFullQueueIsAnswered503AndCounted() {
    start(Activator.builder(source).queueDepth(2));
    List<CompletableFuture<HttpResponse<String>>> waiting =
        List.of(post("/fn/ns/fn", "a"), post("/fn/ns/fn", "b"));
    await().atMost(Duration.ofSeconds(10)).until(() -> activator.waiting(FN) == 2);
    HttpResponse<String> refused = post("/fn/ns/fn", "c").join();
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.body()).contains("queue full").contains("ns/fn");
    assertThat(refused.headers().firstValue(HttpResponses.REJECT_HEADER)).hasValue("queue-full");
    assertThat(activator.metrics().snapshot().rejectedQueueFull()).isEqualTo(1);

    source.ready(FN, sandboxes(0, 1, "p1"));
    assertThat(waiting).allSatisfy(f -> assertThat(f.join().statusCode()).isEqualTo(200));
  }

  @Test
  void aRequestWaitingPastTheTimeoutIsAnswered503AndCounted() {
    start(Activator.builder(source).queueTimeout(Duration.ofMillis(300)));
    HttpResponse<String> r = post("/fn/ns/fn", "a").join();
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("no sandbox of ns/fn had capacity within 300 ms");
    assertThat(r.headers().firstValue(HttpResponses.REJECT_HEADER)).hasValue("timeout");
    ActivatorMetrics.Snapshot m = activator.metrics().snapshot();
    assertThat(m.rejectedTimeout()).isEqualTo(1);
    assertThat(m.proxied()).isZero();
    assertThat(activator.waiting(FN)).isZero();
  }

  @Test
  void aRequestIsSentToAnotherSandboxWhenOneIsGone() {
    start(Activator.builder(source));
    Set<SandboxEndpoint> both = sandboxes(0, 1, "p1", "p2");
    runtime.stop("ns/p1"); // gone, but still listed as ready (the watch lags)
    await().atMost(Duration.ofSeconds(5)).until(() -> runtime.sandboxes().size() == 1);
    source.ready(FN, both);
    List<HttpResponse<String>> rs = postMany(10);
    assertThat(rs)
        .allSatisfy(
            r -> {
              assertThat(r.statusCode()).isEqualTo(200);
              assertThat(pod(r)).isEqualTo("ns/p2");
            });
    assertThat(activator.metrics().snapshot().retries()).isPositive();
  }

  @Test
  void aFunctionItsSourceHasNotListedYetWaitsForTheSyncInsteadOfA404() {
    source.synced = false;
    source.unknown.add(FN); // a restarted activator: its informers have not listed the function
    start(Activator.builder(source));
    CompletableFuture<HttpResponse<String>> early = post("/fn/ns/fn", "early");
    // The request reached the activator's decision (it asked the source), before the source syncs.
    await().atMost(Duration.ofSeconds(10)).until(() -> source.asked.get() > 0);
    source.unknown.remove(FN);
    source.synced = true;
    source.ready(FN, sandboxes(0, 0, "p1"));
    HttpResponse<String> answer = early.join();
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(answer.body()).isEqualTo("early");
    assertThat(activator.metrics().snapshot().notFound()).isZero();
  }

  @Test
  void badInputGetsClearAnswersAndTheActivatorKeepsServing() throws Exception {
    start(Activator.builder(source));
    source.unknown.add(new RevisionKey("ns", "nope"));
    HttpResponse<String> unknown = post("/fn/ns/nope", "x").join();
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(unknown.body()).contains("unknown function ns/nope");
    assertThat(post("/elsewhere", "x").join().statusCode()).isEqualTo(404);
    assertThat(post("/fn/ns", "x").join().statusCode()).isEqualTo(400);
    assertThat(post("/fn/NS!/fn", "x").join().statusCode()).isEqualTo(400);
    HttpResponse<String> get =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + activator.address().getPort() + "/fn/ns/fn"))
                .GET()
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(get.statusCode()).isEqualTo(405);
    assertThat(get.headers().firstValue("allow")).hasValue("POST");

    try (Socket s = new Socket("127.0.0.1", activator.address().getPort())) {
      OutputStream out = s.getOutputStream();
      out.write("THIS IS NOT HTTP\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      String answer = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith("HTTP/1.1 400");
    }
    ActivatorMetrics.Snapshot m = activator.metrics().snapshot();
    assertThat(m.notFound()).isEqualTo(2);
    assertThat(m.badRequests()).isEqualTo(3);
    assertThat(m.received()).isZero();

    source.ready(FN, sandboxes(0, 0, "p1"));
    assertThat(post("/fn/ns/fn", "still here").join().body()).isEqualTo("still here");
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrder() throws Exception {
    start(Activator.builder(source));
    RevisionKey slow = new RevisionKey("ns", "slow");
    runtime.start("ns/s1", SandboxPods.pod("ns", "s1", "slow", 300, 0));
    source.ready(slow, Set.of(SandboxEndpoint.parse("ns/s1", runtime.address("ns/s1"), 0)));
    source.ready(FN, sandboxes(0, 0, "p1"));
    String two =
        "POST /fn/ns/slow HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
            + "POST /fn/ns/fn HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecond";
    try (Socket s = new Socket("127.0.0.1", activator.address().getPort())) {
      s.getOutputStream().write(two.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      String answers = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answers.indexOf("first")).isPositive().isLessThan(answers.indexOf("second"));
      assertThat(answers).contains("ns/s1").contains("ns/p1");
    }
  }

  @Test
  void reportsAnImmediateStatAtZeroThenEverySecond() {
    start(Activator.builder(source).name("act-1"));
    CompletableFuture<HttpResponse<String>> f = post("/fn/ns/fn", "a");
    await().atMost(Duration.ofSeconds(5)).until(() -> !stats.isEmpty());
    assertThat(stats.get(0)).isEqualTo(Map.entry(FN, Stat.of("act-1", 1, 1)));
    // while it waits, the periodic reports show it (one in flight for the whole period)
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                stats.stream()
                    .skip(1)
                    .anyMatch(e -> e.getValue().averageConcurrentRequests() > 0.9));
    source.ready(FN, sandboxes(0, 0, "p1"));
    assertThat(f.join().statusCode()).isEqualTo(200);
    assertThat(activator.concurrency(FN)).isZero();
  }

  @Test
  void theFirstStatScalesTheKnativeAutoscalerFromZero() {
    Multiscaler multiscaler =
        new Multiscaler(new MetricCollector(), k -> () -> 0, Clock.systemUTC());
    AutoscalerConfig config = AutoscalerConfig.defaults();
    RevisionAutoscaling rev =
        new RevisionAutoscaling(
            Map.of(RevisionAutoscaling.INITIAL_SCALE, "0"), 0, Reachability.REACHABLE);
    multiscaler.watch(FN, rev.deciderSpec(config), rev.metricSpec(config));
    multiscaler.record(FN, Stat.of("activator", 0, 0));
    multiscaler.tick();
    assertThat(multiscaler.status(FN).orElseThrow().desiredScale()).isZero();

    activator = Activator.builder(source).statSink(multiscaler).build();
    activator.start();
    CompletableFuture<HttpResponse<String>> f = post("/fn/ns/fn", "a");
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> multiscaler.status(FN).orElseThrow().desiredScale() == 1);
    source.ready(FN, sandboxes(0, 0, "p1"));
    assertThat(f.join().statusCode()).isEqualTo(200);
  }

  @Test
  void stoppingAnswersWaitingRequests503() {
    start(Activator.builder(source));
    CompletableFuture<HttpResponse<String>> f = post("/fn/ns/fn", "a");
    await().atMost(Duration.ofSeconds(10)).until(() -> activator.waiting(FN) == 1);
    activator.stop();
    HttpResponse<String> r = f.join();
    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.headers().firstValue(HttpResponses.REJECT_HEADER)).hasValue("stopping");
    activator = null;
  }
}
