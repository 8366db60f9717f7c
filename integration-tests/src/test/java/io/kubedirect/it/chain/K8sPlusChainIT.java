package io.kubedirect.it.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.bench.ClosedLoopLoad;
import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.ActivatorMetrics;
import io.kubedirect.examples.faas.activator.SandboxEndpoint;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.LoopbackPodNetwork;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.plain.K8sPlusChain;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K8s+ ("Knative on Kubernetes") on a real control plane: the stock kube-controller-manager
 * (deployment, replicaset, endpointslice, garbagecollector controllers) and kube-scheduler with
 * their stock client rate limits, the Java autoscaler, sandbox managers and activator, which learns
 * ready sandboxes from the EndpointSlices of the function's Service. The same function and load as
 * {@link PlainChainIT}: scale from zero on the first request, up to max-scale under a burst, back
 * to zero; exact state in the API Server after each phase; every request one 200.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class K8sPlusChainIT {

  private static final Logger log = LoggerFactory.getLogger(K8sPlusChainIT.class);
  private static LocalControlPlane controlPlane;

  @BeforeAll
  static void startControlPlane() {
    controlPlane =
        LocalControlPlane.builder()
            .controllerManager(true)
            .scheduler(true)
            .controllers(List.of("deployment", "replicaset", "endpointslice", "garbagecollector"))
            .start();
  }

  @AfterAll
  static void stopControlPlane() {
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void requestsDriveAStockDeploymentFromZeroUpAndBackToZeroWithReadinessFromEndpointSlices()
      throws Exception {
    ApiClient api = controlPlane.apiClient();
    int port = ThreadLocalRandom.current().nextInt(20_000, 32_000); // the function's container port
    try (ChainFixture f = new ChainFixture(api, "k8s", 4);
        HttpSandboxRuntime sandboxes =
            HttpSandboxRuntime.builder().listenOnPodAddress(true).build();
        K8sPlusChain chain =
            new K8sPlusChain(
                api,
                f.nodes,
                2,
                Duration.ofMillis(50),
                sandboxes,
                FunctionAutoscaling.chainDefaults(PlainChainIT.autoscalerConfig()),
                b -> b)) {
      f.core
          .createNamespacedService(
              f.namespace, Workloads.functionService(f.namespace, ChainFixture.FUNCTION))
          .execute();
      f.apps
          .createNamespacedDeployment(
              f.namespace,
              Workloads.function(
                  f.namespace,
                  ChainFixture.FUNCTION,
                  0,
                  port,
                  PlainChainIT.functionAnnotations(),
                  false))
          .execute();
      chain.start();
      await().atMost(Duration.ofSeconds(60)).until(chain::hasSynced);
      Activator activator = chain.activator();
      RevisionKey fn = new RevisionKey(f.namespace, ChainFixture.FUNCTION);
      URI url =
          URI.create(
              "http://127.0.0.1:"
                  + activator.address().getPort()
                  + "/fn/"
                  + f.namespace
                  + "/"
                  + ChainFixture.FUNCTION);
      f.awaitExactly(0, Duration.ofSeconds(60));
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> chain.autoscaler().decision(fn).isPresent());
      List<ClosedLoopLoad.Answer> all = new ArrayList<>();

      assertThat(post(activator, "/fn/" + f.namespace + "/nope").statusCode()).isEqualTo(404);
      assertThat(post(activator, "/fn/" + f.namespace).statusCode()).isEqualTo(400);

      // Scale from zero.
      ClosedLoopLoad single = ClosedLoopLoad.start(http, url, "single", 1);
      await().atMost(Duration.ofSeconds(90)).until(() -> single.ok() >= 1);
      ClosedLoopLoad.Answer first = single.answers().get(0);
      log.info(
          "first request answered {} ms after it was sent (scale from zero)",
          (first.answeredNanos() - first.sentNanos()) / 1_000_000);
      f.awaitExactly(1, Duration.ofSeconds(90));
      assertThat(activator.sandboxes(fn)).containsExactlyElementsOf(endpointsOf(f.pods(), port));
      all.addAll(single.stop());

      // Burst.
      ClosedLoopLoad burst = ClosedLoopLoad.start(http, url, "burst", PlainChainIT.BURST_CLIENTS);
      f.awaitExactly(PlainChainIT.MAX_SCALE, Duration.ofSeconds(120));
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(Set.copyOf(activator.sandboxes(fn)))
                      .isEqualTo(endpointsOf(f.pods(), port)));
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  burst.answers().stream()
                          .map(ClosedLoopLoad.Answer::pod)
                          .collect(Collectors.toSet())
                          .size()
                      >= PlainChainIT.MAX_SCALE);
      all.addAll(burst.stop());
      log.info(
          "K8s+ burst ({} clients, max-scale {}), answers/pods per 500 ms: {}",
          PlainChainIT.BURST_CLIENTS,
          PlainChainIT.MAX_SCALE,
          burst.timeline(500));

      // No load: back to zero; the endpoints and the sandboxes go with the pods.
      f.awaitExactly(0, Duration.ofSeconds(120));
      await().atMost(Duration.ofSeconds(60)).until(() -> activator.sandboxes(fn).isEmpty());
      await().atMost(Duration.ofSeconds(30)).until(() -> sandboxes.running() == 0);

      assertThat(all).allSatisfy(a -> assertThat(a.ok()).as(a.toString()).isTrue());
      assertThat(all.stream().map(ClosedLoopLoad.Answer::body).distinct().count())
          .isEqualTo(all.size());
      assertThat(all.size()).isEqualTo(single.sent() + burst.sent());
      ActivatorMetrics.Snapshot m = activator.metrics().snapshot();
      log.info("activator: {}; pods ever created: {}", m, f.podsEverSeen().size());
      assertThat(m.proxied()).isEqualTo(all.size());
      assertThat(m.rejected() + m.proxyErrors() + m.proxyTimeouts()).isZero();
      assertThat(m.notFound()).isEqualTo(1);
      assertThat(m.badRequests()).isEqualTo(1);
    }
  }

  /**
   * Where the activator must send requests for these pods: their IPs' loopback twins at the
   * container port.
   */
  private static Set<SandboxEndpoint> endpointsOf(List<V1Pod> pods, int port) {
    return pods.stream()
        .filter(Pods::isActive)
        .map(
            p ->
                new SandboxEndpoint(
                    Pods.key(p), LoopbackPodNetwork.hostFor(p.getStatus().getPodIP()), port, 1))
        .collect(Collectors.toSet());
  }

  private HttpResponse<String> post(Activator activator, String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + activator.address().getPort() + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString("x"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
