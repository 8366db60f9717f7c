package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.ActivatorMetrics;
import io.kubedirect.examples.faas.activator.ApiServerSandboxSource;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.SandboxStatus;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.DirectSlice;
import io.kubedirect.examples.faas.http.HttpResponses;
import io.kubedirect.examples.faas.plain.PlainSlice;
import io.kubedirect.examples.faas.sandbox.HttpSandbox;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain (and the retrofitted) slice with serving sandboxes behind the activator, on a real
 * kube-apiserver: requests sent while the function is at zero wait in the activator and are served
 * once the (hand-scaled) pods are Ready; scaled pods serve within their container concurrency;
 * scaled to zero, the sandboxes stop.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ActivatorIT {

  private static final Logger log = LoggerFactory.getLogger(ActivatorIT.class);
  private static final int PODS = 3;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private CompletableFuture<HttpResponse<String>> post(
      Activator activator, String path, String body) {
    return http.sendAsync(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + activator.address().getPort() + path))
            .timeout(Duration.ofSeconds(120))
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private List<CompletableFuture<HttpResponse<String>>> postMany(
      Activator activator, String path, int n, String prefix) {
    return IntStream.range(0, n).mapToObj(i -> post(activator, path, prefix + i)).toList();
  }

  private static Set<String> servedBy(
      List<CompletableFuture<HttpResponse<String>>> fs, String prefix) {
    for (int i = 0; i < fs.size(); i++) {
      HttpResponse<String> r = fs.get(i).join();
      assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
      assertThat(r.body()).isEqualTo(prefix + i);
    }
    return fs.stream()
        .map(f -> f.join().headers().firstValue(HttpResponses.POD_HEADER).orElseThrow())
        .collect(Collectors.toSet());
  }

  /**
   * Builds the slice under test over the fixture's nodes, its sandbox managers running {@code
   * sandboxes}.
   */
  private interface SliceFactory {
    SliceStage create(ApiClient api, List<String> nodes, HttpSandboxRuntime sandboxes);
  }

  @Test
  void plainSliceRequestsAtZeroWaitUntilPodsAreReadyAndScaledPodsServeWithinTheirConcurrency(
      ApiClient api) throws Exception {
    run(
        api,
        (a, nodes, sandboxes) -> new PlainSlice(a, nodes, 2, Duration.ofMillis(50), sandboxes));
  }

  /**
   * The retrofitted slice: the sandbox address reaches the API Server through the tail's
   * write-back.
   */
  @Test
  void directSliceRequestsAtZeroWaitUntilPodsAreReadyAndScaledPodsServeWithinTheirConcurrency(
      ApiClient api) throws Exception {
    run(
        api,
        (a, nodes, sandboxes) ->
            new DirectSlice(a, DirectLinks.onLoopback(nodes, 2), Duration.ofMillis(50), sandboxes));
  }

  private void run(ApiClient api, SliceFactory slices) throws Exception {
    List<Map.Entry<RevisionKey, Stat>> activatorStats = new CopyOnWriteArrayList<>();
    try (SliceFixture f = new SliceFixture(api, 2);
        HttpSandboxRuntime sandboxes = HttpSandboxRuntime.create();
        SliceStage slice = slices.create(api, f.nodes, sandboxes)) {
      RevisionKey fn = new RevisionKey(f.namespace, SliceFixture.FUNCTION);
      String path = "/fn/" + f.namespace + "/" + SliceFixture.FUNCTION;
      Activator activator =
          Activator.builder(ApiServerSandboxSource.builder(api).build())
              .statSink((k, s) -> activatorStats.add(Map.entry(k, s)))
              .build();
      try {
        V1ReplicaSet rs = Workloads.exampleReplicaSet(f.namespace, SliceFixture.FUNCTION, 0);
        rs.getSpec()
            .getTemplate()
            .getMetadata()
            .annotations(
                Map.of(
                    SandboxSpec.SERVICE_TIME_ANNOTATION, "20",
                    SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, "1"));
        String uid =
            f.apps.createNamespacedReplicaSet(f.namespace, rs).execute().getMetadata().getUid();
        slice.start();
        activator.start();
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> slice.hasSynced() && activator.hasSynced());

        // Unknown functions are refused at once; a malformed path too.
        assertThat(post(activator, "/fn/" + f.namespace + "/nope", "x").join().statusCode())
            .isEqualTo(404);
        assertThat(post(activator, "/fn/" + f.namespace, "x").join().statusCode()).isEqualTo(400);

        // At zero: the requests wait in the activator, which tells the autoscaler at once.
        List<CompletableFuture<HttpResponse<String>>> cold = postMany(activator, path, 20, "cold-");
        await().atMost(Duration.ofSeconds(30)).until(() -> activator.waiting(fn) == 20);
        assertThat(cold).noneMatch(CompletableFuture::isDone);
        assertThat(activatorStats).first().isEqualTo(Map.entry(fn, Stat.of("activator", 1, 1)));

        long scaled = System.nanoTime();
        f.scale(PODS);
        Set<String> coldPods = servedBy(cold, "cold-");
        log.info(
            "20 requests queued at zero answered {} ms after the scale to {}, by {}",
            (System.nanoTime() - scaled) / 1_000_000,
            PODS,
            coldPods);
        f.awaitExactly(PODS, uid, Duration.ofSeconds(60));
        Set<String> podKeys =
            f.pods().stream().filter(Pods::isActive).map(Pods::key).collect(Collectors.toSet());
        assertThat(podKeys).containsAll(coldPods);
        for (V1Pod p : f.pods()) {
          assertThat(SandboxStatus.servingAddress(p))
              .as(Pods.key(p))
              .isEqualTo(sandboxes.address(Pods.key(p)))
              .startsWith("127.0.0.1:");
        }

        // Scaled: a burst is spread over all pods and no sandbox ever holds more than its
        // concurrency (1).
        await().atMost(Duration.ofSeconds(30)).until(() -> activator.sandboxes(fn).size() == PODS);
        List<CompletableFuture<HttpResponse<String>>> warm = postMany(activator, path, 60, "warm-");
        assertThat(servedBy(warm, "warm-")).isEqualTo(podKeys);
        for (HttpSandbox s : sandboxes.sandboxes()) {
          assertThat(s.peakConcurrency()).as(s.podKey()).isEqualTo(1);
        }
        assertThat(sandboxes.sandboxes().stream().mapToLong(HttpSandbox::served).sum())
            .isEqualTo(80);

        // Back to zero: the sandboxes stop with their pods, and a new request waits for the next
        // pod.
        f.scale(0);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> f.pods().isEmpty()); // (readyReplicas 0 is omitted)
        await().atMost(Duration.ofSeconds(30)).until(() -> sandboxes.running() == 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> activator.sandboxes(fn).isEmpty());
        CompletableFuture<HttpResponse<String>> again = post(activator, path, "again-0");
        await().atMost(Duration.ofSeconds(30)).until(() -> activator.waiting(fn) == 1);
        f.scale(1);
        assertThat(servedBy(List.of(again), "again-")).hasSize(1);

        ActivatorMetrics.Snapshot m = activator.metrics().snapshot();
        log.info("activator: {}", m);
        assertThat(m.received()).isEqualTo(81);
        assertThat(m.proxied()).isEqualTo(81);
        assertThat(m.queued()).isGreaterThanOrEqualTo(21);
        assertThat(m.rejected() + m.proxyErrors() + m.proxyTimeouts()).isZero();
        assertThat(m.notFound()).isEqualTo(1);
        assertThat(m.badRequests()).isEqualTo(1);
        assertThat(activatorStats)
            .anyMatch(
                e ->
                    e.getKey().equals(fn)
                        && e.getValue().averageConcurrentRequests() > 0
                        && e != activatorStats.get(0));
      } finally {
        activator.stop();
      }
    }
  }
}
