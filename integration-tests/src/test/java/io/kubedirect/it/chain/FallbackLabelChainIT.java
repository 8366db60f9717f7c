package io.kubedirect.it.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.KubeDirectLabels;
import io.kubedirect.examples.bench.ClosedLoopLoad;
import io.kubedirect.examples.faas.activator.ActivatorMetrics;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.direct.DirectChain;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fallback by label in the retrofitted chain: a function whose Deployment and pod template carry
 * {@code kubedirect.io/fallback=true} is served end to end through the API path (the label is
 * copied to its ReplicaSets and pods, so every stage writes them to the API Server instead of
 * sending them over a link). It scales from zero and up under a burst, every request is answered,
 * the API Server shows exactly the desired pods and never more, and the links carried no object
 * while the stages counted their label fallback writes.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FallbackLabelChainIT {

  private static final Logger log = LoggerFactory.getLogger(FallbackLabelChainIT.class);
  static final int MAX_SCALE = PlainChainIT.MAX_SCALE;
  static final int BURST_CLIENTS = PlainChainIT.BURST_CLIENTS;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void functionLabelledForFallbackIsServedThroughTheApiPath(ApiClient api) throws Exception {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (ChainFixture f = new ChainFixture(api, "fallback", 4);
        HttpSandboxRuntime sandboxes = HttpSandboxRuntime.create()) {
      DirectChain chain =
          new DirectChain(
              api,
              DirectLinks.chainOnLoopback(f.nodes, 2).withMeterRegistry(meters),
              Duration.ofMillis(50),
              sandboxes,
              FunctionAutoscaling.chainDefaults(PlainChainIT.autoscalerConfig()),
              UnaryOperator.identity());
      try (chain) {
        V1Deployment fn =
            Workloads.function(
                f.namespace,
                ChainFixture.FUNCTION,
                0,
                8080,
                PlainChainIT.functionAnnotations(),
                true);
        fn.getMetadata().setLabels(withFallback(fn.getMetadata().getLabels()));
        fn.getSpec()
            .getTemplate()
            .getMetadata()
            .setLabels(withFallback(fn.getSpec().getTemplate().getMetadata().getLabels()));
        f.apps.createNamespacedDeployment(f.namespace, fn).execute();
        chain.start();
        await().atMost(Duration.ofSeconds(60)).until(chain::hasSynced);
        f.awaitExactly(0, Duration.ofSeconds(60));
        URI url =
            URI.create(
                "http://127.0.0.1:"
                    + chain.activator().address().getPort()
                    + "/fn/"
                    + f.namespace
                    + "/"
                    + ChainFixture.FUNCTION);
        List<ClosedLoopLoad.Answer> all = new ArrayList<>();

        ClosedLoopLoad single = ClosedLoopLoad.start(http, url, "single", 1);
        await().atMost(Duration.ofSeconds(60)).until(() -> single.ok() >= 1);
        f.awaitExactly(1, Duration.ofSeconds(60));
        all.addAll(single.stop());
        assertThat(f.podsEverSeen()).hasSize(1);

        ClosedLoopLoad burst = ClosedLoopLoad.start(http, url, "burst", BURST_CLIENTS);
        f.awaitExactly(MAX_SCALE, Duration.ofSeconds(90));
        all.addAll(burst.stop());
        log.info(
            "fallback-labelled burst ({} clients, max-scale {}), answers/pods per 500 ms: {}",
            BURST_CLIENTS,
            MAX_SCALE,
            burst.timeline(500));
        f.awaitExactly(MAX_SCALE, Duration.ofSeconds(30));
        assertThat(f.podsEverSeen())
            .as("no pod persisted beyond the desired count")
            .hasSizeLessThanOrEqualTo(MAX_SCALE);
        assertThat(f.pods())
            .allSatisfy(
                p ->
                    assertThat(p.getMetadata().getLabels())
                        .containsEntry(KubeDirectLabels.FALLBACK, KubeDirectLabels.TRUE));

        assertThat(all).allSatisfy(a -> assertThat(a.ok()).as(a.toString()).isTrue());
        assertThat(all.stream().map(ClosedLoopLoad.Answer::body).distinct().count())
            .isEqualTo(all.size());
        assertThat(all.size()).isEqualTo(single.sent() + burst.sent());
        ActivatorMetrics.Snapshot m = chain.activator().metrics().snapshot();
        assertThat(m.proxied()).isEqualTo(all.size());
        assertThat(m.rejected() + m.proxyErrors() + m.proxyTimeouts()).isZero();

        // The links carried no object; the stages wrote the function's objects through the API
        // Server because of the label.
        Map<String, Double> linkObjects = new TreeMap<>();
        meters
            .find("kubedirect.link.objects")
            .counters()
            .forEach(
                c ->
                    linkObjects.merge(
                        c.getId().getTag("stage") + "/" + c.getId().getTag("direction"),
                        c.count(),
                        Double::sum));
        Map<String, Double> labelWrites = new TreeMap<>();
        meters
            .find("kubedirect.fallback.writes")
            .tag("reason", "label")
            .counters()
            .forEach(c -> labelWrites.merge(c.getId().getTag("stage"), c.count(), Double::sum));
        log.info("objects over links: {}; label fallback writes: {}", linkObjects, labelWrites);
        assertThat(linkObjects.values()).allSatisfy(v -> assertThat(v).isZero());
        assertThat(labelWrites)
            .as("label fallback writes by stage")
            .containsKeys(
                DirectLinks.AUTOSCALER,
                DirectLinks.DEPLOYMENT,
                DirectLinks.REPLICASET,
                DirectLinks.SCHEDULER);
        assertThat(labelWrites.values().stream().mapToDouble(Double::doubleValue).sum())
            .isGreaterThanOrEqualTo(MAX_SCALE);
        assertThat(meters.find("kubedirect.fallback.writes").tag("reason", "deadline").counters())
            .extracting(Counter::count)
            .allSatisfy(c -> assertThat(c).isZero());
      }
    }
  }

  private static Map<String, String> withFallback(Map<String, String> labels) {
    Map<String, String> all = new java.util.HashMap<>(labels == null ? Map.of() : labels);
    all.put(KubeDirectLabels.FALLBACK, KubeDirectLabels.TRUE);
    return all;
  }
}
