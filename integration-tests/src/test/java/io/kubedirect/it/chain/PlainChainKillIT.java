package io.kubedirect.it.chain;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.bench.ClosedLoopLoad;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.plain.PlainChain;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain chain's counterpart of {@link DirectChainKillIT}: one stage is killed (stopped, memory
 * dropped) mid-burst at a point chosen by the state of its own work, when it has work in hand that
 * the API Server does not show done yet, then restarted. Every request is still answered with one
 * 200 (the activator: all but those it held when killed, which get a 503 or lose their connection),
 * the API Server ends exactly at max-scale, and no pod beyond it was ever persisted.
 */
@LocalKubernetes
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class PlainChainKillIT {

  private static final Logger log = LoggerFactory.getLogger(PlainChainKillIT.class);
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "autoscaler",
        "deployment",
        "replicaset",
        "scheduler",
        "sandbox-manager",
        "activator"
      })
  void aStageKilledWithWorkInHandRestartsAndTheChainEndsExact(String victim, ApiClient api)
      throws Exception {
    try (ChainFixture f = new ChainFixture(api, "pkill", 4);
        HttpSandboxRuntime sandboxes = HttpSandboxRuntime.create();
        PlainChain chain =
            new PlainChain(
                api,
                f.nodes,
                2,
                Duration.ofMillis(50),
                sandboxes,
                FunctionAutoscaling.chainDefaults(PlainChainIT.autoscalerConfig()),
                b -> b.port(DirectChainKillIT.freePort()))) {
      List<ClosedLoopLoad.Answer> all = new ArrayList<>();
      ChainScenario.FromZero single =
          ChainScenario.declareAndServeFromZero(f, chain, chain.activator(), http, all);
      URI url = single.url();

      ClosedLoopLoad burst = ClosedLoopLoad.start(http, url, "burst", PlainChainIT.BURST_CLIENTS);
      SliceStage stage = stage(chain, victim);
      BooleanSupplier workInHand = workInHand(f, victim);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(10))
          .ignoreExceptions()
          .until(workInHand::getAsBoolean);
      long killedAt = System.nanoTime();
      stage.stop();
      log.info("{} killed with work in hand", victim);
      stage.start();
      await().atMost(Duration.ofSeconds(60)).until(stage::hasSynced);
      long restartedAt = System.nanoTime();

      f.awaitExactly(PlainChainIT.MAX_SCALE, Duration.ofSeconds(120));
      all.addAll(burst.stop());
      log.info("{}: burst answers/pods per 500 ms: {}", victim, burst.timeline(500));
      ChainScenario.assertAnsweredAcrossTheKill(
          victim, all, single.sent() + burst.sent(), killedAt, restartedAt, f);
    }
  }

  private static SliceStage stage(PlainChain chain, String victim) {
    return switch (victim) {
      case "autoscaler" -> chain.autoscaler();
      case "deployment" -> chain.deployment();
      case "replicaset" -> chain.slice().replicaSet();
      case "scheduler" -> chain.slice().scheduler();
      case "sandbox-manager" -> chain.slice().sandboxManagers().get(0);
      case "activator" -> chain.activator();
      default -> throw new IllegalArgumentException(victim);
    };
  }

  /**
   * Whether the victim has burst work in hand that the API Server does not show done: a scale-up
   * decided but not yet carried down (autoscaler, deployment), pods asked for but not created
   * (replicaset), created but unbound (scheduler), bound but not Ready (sandbox manager), requests
   * queued or in flight (activator).
   */
  private static BooleanSupplier workInHand(ChainFixture f, String victim) {
    return switch (victim) {
      case "autoscaler" ->
          () -> desired(f.deployment()) > 1 && readyPods(f) < desired(f.deployment());
      case "deployment" -> () -> desired(f.deployment()) > desired(f.currentReplicaSet());
      case "replicaset" -> () -> desired(f.currentReplicaSet()) > f.pods().size();
      case "scheduler" -> () -> f.pods().stream().anyMatch(p -> p.getSpec().getNodeName() == null);
      case "sandbox-manager" ->
          () ->
              f.pods().stream()
                  .anyMatch(p -> p.getSpec().getNodeName() != null && !Pods.isReady(p));
      case "activator" -> () -> desired(f.deployment()) > readyPods(f);
      default -> throw new IllegalArgumentException(victim);
    };
  }

  private static int desired(V1Deployment d) {
    return d == null || d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
  }

  private static int desired(V1ReplicaSet rs) {
    return rs == null || rs.getSpec().getReplicas() == null ? 0 : rs.getSpec().getReplicas();
  }

  private static long readyPods(ChainFixture f) {
    return f.pods().stream().filter((V1Pod p) -> Pods.isActive(p) && Pods.isReady(p)).count();
  }
}
