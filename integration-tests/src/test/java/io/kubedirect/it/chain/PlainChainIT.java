package io.kubedirect.it.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.ActivatorMetrics;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.plain.PlainChain;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole plain chain on a real kube-apiserver, driven by requests only: activator -> autoscaler
 * (KPA) -> deployment -> replicaset -> scheduler -> sandbox manager. A function declared as a
 * Deployment at 0 replicas scales from zero on its first request, up under a burst (to its
 * max-scale), rolls to a new template revision during the burst, and back to zero once the load
 * stops; the API Server shows the exact state after each phase, and every request gets exactly one
 * 200.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PlainChainIT {

  private static final Logger log = LoggerFactory.getLogger(PlainChainIT.class);

  /** The function's max-scale (system property {@code kubedirect.chain.maxScale}, default 6). */
  static final int MAX_SCALE = Integer.getInteger("kubedirect.chain.maxScale", 6);

  /**
   * Clients in the burst (system property {@code kubedirect.chain.burstClients}, default 4 per
   * pod).
   */
  static final int BURST_CLIENTS =
      Integer.getInteger("kubedirect.chain.burstClients", 4 * MAX_SCALE);

  /**
   * The function's settings: container concurrency 1, target 1 at 100%, a 6 s window, at most
   * MAX_SCALE pods.
   */
  static Map<String, String> functionAnnotations() {
    return Map.of(
        SandboxSpec.SERVICE_TIME_ANNOTATION, "100",
        SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, "1",
        RevisionAutoscaling.TARGET, "1",
        RevisionAutoscaling.TARGET_UTILIZATION_PERCENTAGE, "100",
        RevisionAutoscaling.WINDOW, "6s",
        RevisionAutoscaling.MAX_SCALE, Integer.toString(MAX_SCALE));
  }

  /** The autoscaler's config-autoscaler for the tests: a short grace period. */
  static Map<String, String> autoscalerConfig() {
    return Map.of("scale-to-zero-grace-period", "2s");
  }

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void requestsDriveTheFunctionFromZeroUpThroughANewRevisionAndBackToZero(ApiClient api)
      throws Exception {
    try (ChainFixture f = new ChainFixture(api, "chain", 4);
        HttpSandboxRuntime sandboxes = HttpSandboxRuntime.create();
        PlainChain chain =
            new PlainChain(
                api,
                f.nodes,
                2,
                Duration.ofMillis(50),
                sandboxes,
                FunctionAutoscaling.chainDefaults(autoscalerConfig()))) {
      f.apps
          .createNamespacedDeployment(
              f.namespace,
              Workloads.function(
                  f.namespace, ChainFixture.FUNCTION, 0, 8080, functionAnnotations(), true))
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

      // Bad input: unknown function 404, malformed path 400; the router keeps serving (below).
      assertThat(post(activator, "/fn/" + f.namespace + "/nope").statusCode()).isEqualTo(404);
      assertThat(post(activator, "/fn/" + f.namespace).statusCode()).isEqualTo(400);
      assertThat(post(activator, "/fn/Not_A_Namespace/" + ChainFixture.FUNCTION).statusCode())
          .isEqualTo(400);

      // Scale from zero: one client; its first request waits in the activator until the first pod
      // is Ready.
      ClosedLoopLoad single = ClosedLoopLoad.start(http, url, "single", 1);
      await().atMost(Duration.ofSeconds(60)).until(() -> single.ok() >= 1);
      ClosedLoopLoad.Answer first = single.answers().get(0);
      log.info(
          "first request answered {} ms after it was sent (scale from zero)",
          (first.answeredNanos() - first.sentNanos()) / 1_000_000);
      f.awaitExactly(1, Duration.ofSeconds(60));
      all.addAll(single.stop());
      assertThat(f.podsEverSeen()).hasSize(1);

      // Burst: 24 clients; the autoscaler scales to max-scale.
      ClosedLoopLoad burst = ClosedLoopLoad.start(http, url, "burst", BURST_CLIENTS);
      f.awaitExactly(MAX_SCALE, Duration.ofSeconds(90));
      V1ReplicaSet firstRevision = f.currentReplicaSet();

      // A new template revision during the burst: it ends with exactly the new revision's pods.
      f.annotateTemplate(SandboxSpec.SERVICE_TIME_ANNOTATION, "80");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  f.currentReplicaSet() != null
                      && !f.currentReplicaSet()
                          .getMetadata()
                          .getUid()
                          .equals(firstRevision.getMetadata().getUid()));
      f.awaitExactly(MAX_SCALE, Duration.ofSeconds(90));
      assertThat(f.replicaSets()).hasSize(2);
      String firstPrefix = firstRevision.getMetadata().getName() + "-";
      assertThat(f.podsEverSeen().stream().filter(n -> n.startsWith(firstPrefix)))
          .as("pods of revision 1")
          .hasSizeLessThanOrEqualTo(MAX_SCALE);
      all.addAll(burst.stop());
      log.info(
          "plain burst ({} clients, max-scale {}), answers/pods per 500 ms: {}",
          BURST_CLIENTS,
          MAX_SCALE,
          burst.timeline(500));

      // No load: back to zero after the window and the grace period; the sandboxes stop with their
      // pods.
      f.awaitExactly(0, Duration.ofSeconds(120));
      await().atMost(Duration.ofSeconds(30)).until(() -> sandboxes.running() == 0);
      await().atMost(Duration.ofSeconds(30)).until(() -> activator.sandboxes(fn).isEmpty());

      // From zero again.
      ClosedLoopLoad again = ClosedLoopLoad.start(http, url, "again", 1);
      await().atMost(Duration.ofSeconds(60)).until(() -> again.ok() >= 1);
      all.addAll(again.stop());
      f.awaitExactly(1, Duration.ofSeconds(60));
      String secondPrefix = f.currentReplicaSet().getMetadata().getName() + "-";
      assertThat(f.podsEverSeen().stream().filter(n -> n.startsWith(secondPrefix)))
          .as("pods of revision 2")
          .hasSizeLessThanOrEqualTo(MAX_SCALE + 1);

      // Every request got exactly one answer, a 200 with its own body.
      assertThat(all).allSatisfy(a -> assertThat(a.ok()).as(a.toString()).isTrue());
      assertThat(all.stream().map(ClosedLoopLoad.Answer::body).distinct().count())
          .isEqualTo(all.size());
      assertThat(all.size()).isEqualTo(single.sent() + burst.sent() + again.sent());
      ActivatorMetrics.Snapshot m = activator.metrics().snapshot();
      log.info("activator: {}; pods ever created: {}", m, f.podsEverSeen().size());
      assertThat(m.proxied()).isEqualTo(all.size());
      assertThat(m.rejected() + m.proxyErrors() + m.proxyTimeouts()).isZero();
      assertThat(m.notFound()).isEqualTo(1);
      assertThat(m.badRequests()).isEqualTo(2);
    }
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
