package io.kubedirect.it.chain;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.bench.ClosedLoopLoad;
import io.kubedirect.examples.faas.common.LoopbackPorts;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectChain;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.SandboxManager;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.it.faults.StageProbe;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.ApiClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kills (stops, memory dropped) one stage of the direct chain mid-burst, at a point chosen by
 * state: while it holds objects of the burst only in memory (sent and not yet persisted, or
 * received and not yet written back), then restarts it. Every request is still answered with one
 * 200, the API Server ends exactly at max-scale, and no pod beyond it was ever persisted. {@code
 * sandbox-manager-past-deadline} keeps the sandbox manager down until the scheduler's link to it is
 * past its fallback deadline, so its node's pods go through the API Server meanwhile. The
 * activator, the front door, answers the requests it holds at the kill with a 503 (or drops their
 * connection); every request still gets exactly one outcome, and all requests sent after its
 * restart get a 200.
 */
@LocalKubernetes
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class DirectChainKillIT {

  private static final Logger log = LoggerFactory.getLogger(DirectChainKillIT.class);
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
        "activator",
        "sandbox-manager-past-deadline"
      })
  void aStageKilledWhileItHoldsBurstObjectsInMemoryRestartsAndTheChainEndsExact(
      String victim, ApiClient api) throws Exception {
    try (ChainFixture f = new ChainFixture(api, "kill", 4);
        HttpSandboxRuntime sandboxes = HttpSandboxRuntime.create();
        // a fixed activator port, so that the clients find a restarted activator at the same
        // address
        DirectChain chain =
            new DirectChain(
                api,
                DirectLinks.chainOnLoopback(f.nodes, 2),
                Duration.ofMillis(50),
                sandboxes,
                FunctionAutoscaling.chainDefaults(PlainChainIT.autoscalerConfig()),
                b -> b.port(freePort()))) {
      List<ClosedLoopLoad.Answer> all = new ArrayList<>();
      ChainScenario.FromZero single =
          ChainScenario.declareAndServeFromZero(f, chain, chain.activator(), http, all);
      URI url = single.url();

      ClosedLoopLoad burst = ClosedLoopLoad.start(http, url, "burst", PlainChainIT.BURST_CLIENTS);
      SliceStage stage = stage(chain, victim);
      IntSupplier inMemory = inMemory(chain, f.namespace, victim);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(10))
          .until(() -> inMemory.getAsInt() > 0);
      int held = inMemory.getAsInt();
      long killedAt = System.nanoTime();
      stage.stop();
      log.info("{} killed holding {} burst object(s) in memory only", victim, held);
      if (victim.equals("sandbox-manager-past-deadline")) {
        PeerAddress address = chain.links().sandboxManagers().get(0);
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> StageProbe.inFallback(chain.slice().scheduler(), address));
      }
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

  private static SliceStage stage(DirectChain chain, String victim) {
    return switch (victim) {
      case "autoscaler" -> chain.autoscaler();
      case "deployment" -> chain.deployment();
      case "replicaset" -> chain.slice().replicaSet();
      case "scheduler" -> chain.slice().scheduler();
      case "sandbox-manager", "sandbox-manager-past-deadline" ->
          chain.slice().sandboxManagers().get(0);
      case "activator" -> chain.activator();
      default -> throw new IllegalArgumentException(victim);
    };
  }

  /**
   * What the victim holds of the burst in memory only: sent and unpersisted, or received and not
   * written back.
   */
  private static IntSupplier inMemory(DirectChain chain, String namespace, String victim) {
    SandboxManager first = chain.slice().sandboxManagers().get(0);
    return switch (victim) {
      case "autoscaler" -> () -> StageProbe.dirty(chain.autoscaler());
      case "deployment" ->
          () -> StageProbe.dirty(chain.deployment()) + StageProbe.ephemeral(chain.deployment());
      case "replicaset" -> () -> StageProbe.dirty(chain.slice().replicaSet());
      case "scheduler" -> () -> StageProbe.ephemeral(chain.slice().scheduler());
      case "sandbox-manager", "sandbox-manager-past-deadline" -> () -> StageProbe.ephemeral(first);
      // the activator holds the sandboxes it routes to (and the queued requests) in memory
      case "activator" ->
          () ->
              chain.activator().sandboxes(new RevisionKey(namespace, ChainFixture.FUNCTION)).size()
                      > 1
                  ? 1
                  : 0;
      default -> throw new IllegalArgumentException(victim);
    };
  }

  static int freePort() {
    return LoopbackPorts.next();
  }
}
