package io.kubedirect.it.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.bench.ClosedLoopLoad;
import io.kubedirect.examples.faas.StageMain;
import io.kubedirect.examples.faas.StageOptions.Variant;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.process.ProcessChain;
import io.kubedirect.examples.faas.process.StageProcess;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chain with every stage in its own JVM ({@link ProcessChain}: one {@link StageMain} process
 * per stage, on loopback, mutual TLS on the direct links), on a real kube-apiserver: the function
 * scales from zero on its first request through the activator's HTTP port and up under a burst,
 * every request is answered, the API Server shows the exact end state, the direct links carried the
 * pods over TLS, and every process exits on SIGTERM, leaving none behind.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ProcessChainIT {

  private static final Logger log = LoggerFactory.getLogger(ProcessChainIT.class);
  static final int MAX_SCALE = PlainChainIT.MAX_SCALE;
  static final int BURST_CLIENTS = PlainChainIT.BURST_CLIENTS;

  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /**
   * Each variant as six processes: scale from zero, a burst during which the scheduler process is
   * killed (SIGKILL) while pods wait for it and then restarted, exact end state, clean stop.
   */
  @ParameterizedTest
  @EnumSource(Variant.class)
  void theChainAsProcessesScalesFromZeroSurvivesAKilledStageAndStopsCleanly(
      Variant variant, LocalControlPlane cp, @TempDir Path tmp) throws Exception {
    ApiClient api = cp.apiClient();
    long started = System.nanoTime();
    List<StageProcess> processes;
    try (ChainFixture f = new ChainFixture(api, "proc", 3);
        ProcessChain chain =
            ProcessChain.builder(cp.kubeconfig(), f.nodes, tmp)
                .variant(variant)
                .autoscalerConfig(PlainChainIT.autoscalerConfig())
                .readyTimeout(Duration.ofSeconds(150))
                .build()) {
      processes = chain.processes();
      f.apps
          .createNamespacedDeployment(
              f.namespace,
              Workloads.function(
                  f.namespace,
                  ChainFixture.FUNCTION,
                  0,
                  8080,
                  PlainChainIT.functionAnnotations(),
                  true))
          .execute();
      chain.start();
      log.info(
          "{} stage processes ready after {} ms",
          processes.size(),
          (System.nanoTime() - started) / 1_000_000);
      assertThat(processes).hasSize(ProcessChain.STAGES.size()).allMatch(StageProcess::isAlive);
      f.awaitExactly(0, Duration.ofSeconds(60));
      URI url = chain.activatorUri().resolve("/fn/" + f.namespace + "/" + ChainFixture.FUNCTION);
      List<ClosedLoopLoad.Answer> all = new ArrayList<>();

      // Scale from zero: the first request waits in the activator process until a pod is Ready.
      ClosedLoopLoad single = ClosedLoopLoad.start(http, url, "single", 1);
      await().atMost(Duration.ofSeconds(90)).until(() -> single.ok() >= 1);
      ClosedLoopLoad.Answer first = single.answers().get(0);
      log.info(
          "first request answered {} ms after it was sent (scale from zero, processes)",
          (first.answeredNanos() - first.sentNanos()) / 1_000_000);
      f.awaitExactly(1, Duration.ofSeconds(60));
      all.addAll(single.stop());
      assertThat(f.podsEverSeen()).hasSize(1);

      // Each stage process serves when it reconciled the function's objects (/stage-times). Read
      // before the scheduler is killed: its restarted process may find every pod already bound.
      for (String stage :
          List.of(
              DirectLinks.AUTOSCALER,
              DirectLinks.DEPLOYMENT,
              DirectLinks.REPLICASET,
              DirectLinks.SCHEDULER,
              DirectLinks.SANDBOX_MANAGER)) {
        assertThat(
                chain
                    .stage(stage)
                    .stageTimes()
                    .first(stage, f.namespace, ChainFixture.FUNCTION, started))
            .as(stage + " /stage-times")
            .isGreaterThanOrEqualTo(started);
      }

      // Burst: the autoscaler process scales the function to its max-scale.
      ClosedLoopLoad burst = ClosedLoopLoad.start(http, url, "burst", BURST_CLIENTS);
      // Kill the scheduler process mid-burst (direct: once burst pods reach it over its link;
      // plain: while pods wait to be bound), then start it again. The in-JVM kill ITs choose the
      // in-memory-only window per stage; this one kills a real process.
      StageProcess scheduler = chain.stage(DirectLinks.SCHEDULER);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(20))
          .ignoreExceptions()
          .until(
              () ->
                  variant == Variant.DIRECT
                      ? PrometheusText.sum(
                              scheduler.metrics(),
                              "kubedirect_link_objects_total",
                              Map.of("stage", "scheduler", "direction", "in"))
                          > 1
                      : f.pods().stream().anyMatch(p -> p.getSpec().getNodeName() == null));
      log.info("killing the scheduler process ({} pods stored)", f.pods().size());
      scheduler.kill();
      scheduler.start();
      scheduler.awaitReady(Duration.ofSeconds(150));
      f.awaitExactly(MAX_SCALE, Duration.ofSeconds(120));
      all.addAll(burst.stop());
      log.info(
          "process burst ({} clients, max-scale {}), answers/pods per 500 ms: {}",
          BURST_CLIENTS,
          MAX_SCALE,
          burst.timeline(500));
      f.awaitExactly(MAX_SCALE, Duration.ofSeconds(30));
      log.info("pods ever persisted: {}", f.podsEverSeen().size());
      assertThat(f.podsEverSeen())
          .as("no pod persisted beyond the desired count")
          .hasSizeLessThanOrEqualTo(MAX_SCALE);

      // Every request got exactly one answer, a 200 with its own body.
      assertThat(all).allSatisfy(a -> assertThat(a.ok()).as(a.toString()).isTrue());
      assertThat(all.stream().map(ClosedLoopLoad.Answer::body).distinct().count())
          .isEqualTo(all.size());
      assertThat(all.size()).isEqualTo(single.sent() + burst.sent());

      assertThat(
              chain
                  .stage(DirectLinks.AUTOSCALER)
                  .stageTimes()
                  .scaledTo(f.namespace, ChainFixture.FUNCTION, MAX_SCALE, started))
          .as("the autoscaler decided max-scale (/stage-times)")
          .isGreaterThanOrEqualTo(started);

      if (variant == Variant.DIRECT) {
        assertDirectLinksCarriedTheChain(chain, processes);
      }

      // SIGTERM from the activator down: every process exits (143 = 128 + SIGTERM, after its
      // shutdown hook stopped the stage).
      List<ProcessHandle> handles = processes.stream().map(p -> p.handle().orElseThrow()).toList();
      chain.stop();
      for (ProcessHandle h : handles) {
        assertThat(h.isAlive()).as("pid %d", h.pid()).isFalse();
      }
      for (StageProcess p : processes) {
        assertThat(p.isAlive()).as(p.name()).isFalse();
      }
      assertThat(chain.exitCodes())
          .as("exit codes")
          .allSatisfy((s, c) -> assertThat(c).isEqualTo(143));
    }
    assertThat(
            ProcessHandle.current()
                .descendants()
                .filter(h -> h.isAlive())
                .filter(
                    h ->
                        h.info()
                            .arguments()
                            .map(a -> String.join(" ", a).contains(StageMain.class.getName()))
                            .orElse(false))
                .toList())
        .as("stray stage processes")
        .isEmpty();
    log.info("process chain scenario took {} ms", (System.nanoTime() - started) / 1_000_000);
  }

  /** The pods went over the TLS links and were written back; no fallback, no failed handshake. */
  private static void assertDirectLinksCarriedTheChain(
      ProcessChain chain, List<StageProcess> processes) {
    String sm = chain.stage(DirectLinks.SANDBOX_MANAGER).metrics();
    assertThat(
            PrometheusText.sum(
                sm,
                "kubedirect_link_objects_total",
                Map.of("stage", "sandbox-manager", "direction", "in")))
        .isGreaterThanOrEqualTo(MAX_SCALE);
    String rs = chain.stage(DirectLinks.REPLICASET).metrics();
    assertThat(
            PrometheusText.sum(
                rs,
                "kubedirect_link_objects_total",
                Map.of("stage", "replicaset", "direction", "in")))
        .as("ReplicaSets from the deployment stage over its link")
        .isPositive();
    for (StageProcess p : processes) {
      String text = p.metrics();
      assertThat(text).as(p.name()).contains("jvm_memory_used_bytes");
      assertThat(PrometheusText.sum(text, "kubedirect_tls_handshake_failures_total", Map.of()))
          .as(p.name())
          .isZero();
      assertThat(PrometheusText.sum(text, "kubedirect_fallback_writes_total", Map.of()))
          .as(p.name())
          .isZero();
    }
  }
}
