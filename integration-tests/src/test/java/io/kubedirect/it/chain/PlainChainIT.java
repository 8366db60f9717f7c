package io.kubedirect.it.chain;

import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.plain.PlainChain;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
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

  @Test
  void requestsDriveTheFunctionFromZeroUpThroughANewRevisionAndBackToZero(ApiClient api)
      throws Exception {
    ChainScenario.fromZeroUpThroughANewRevisionAndBackToZero(
        api,
        "plain",
        (f, sandboxes) -> {
          PlainChain chain =
              new PlainChain(
                  api,
                  f.nodes,
                  2,
                  Duration.ofMillis(50),
                  sandboxes,
                  FunctionAutoscaling.chainDefaults(autoscalerConfig()));
          return ChainScenario.of(chain, chain::activator, fn -> chain.autoscaler().decision(fn));
        });
  }
}
