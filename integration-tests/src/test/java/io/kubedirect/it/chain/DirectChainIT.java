package io.kubedirect.it.chain;

import io.kubedirect.examples.faas.direct.DirectChain;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The whole retrofitted chain on a real kube-apiserver, driven by requests only, every hop over a
 * direct link: activator (subscriber of the sandbox managers' pods) -> autoscaler (KPA) ->
 * deployment -> replicaset -> scheduler -> sandbox manager; the same phases and checks as {@link
 * PlainChainIT}. A function declared as a Deployment at 0 replicas scales from zero on its first
 * request, up under a burst (to its max-scale), rolls to a new template revision during the burst,
 * and back to zero once the load stops; the API Server shows the exact state after each phase, and
 * every request gets exactly one 200.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DirectChainIT {

  @Test
  void requestsDriveTheFunctionFromZeroUpThroughANewRevisionAndBackToZero(ApiClient api)
      throws Exception {
    ChainScenario.fromZeroUpThroughANewRevisionAndBackToZero(
        api,
        "direct",
        (f, sandboxes) -> {
          DirectChain chain =
              new DirectChain(
                  api,
                  f.nodes,
                  2,
                  Duration.ofMillis(50),
                  sandboxes,
                  FunctionAutoscaling.chainDefaults(PlainChainIT.autoscalerConfig()));
          return ChainScenario.of(chain, chain::activator, fn -> chain.autoscaler().decision(fn));
        });
  }
}
