package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.plain.PlainSlice;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The plain client-java slice against a real kube-apiserver: burst, scale down, scale up. */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class PlainSliceIT {

  private static final Logger log = LoggerFactory.getLogger(PlainSliceIT.class);
  private static final int BURST = 200;

  @Test
  void burstThenScaleDownAndUpConvergeToExactlyTheRightPods(ApiClient api) throws Exception {
    try (SliceFixture f = new SliceFixture(api, 4);
        PlainSlice slice = new PlainSlice(api, f.nodes, 2, Duration.ofMillis(50))) {
      slice.start();
      String uid = f.createReplicaSet(0).getMetadata().getUid();
      f.scale(BURST);
      f.awaitExactly(BURST, uid, Duration.ofSeconds(120));
      assertThat(f.everSeen()).as("no pod created beyond the %d asked for", BURST).hasSize(BURST);
      // spread evenly by the least-loaded rule
      assertThat(f.pods())
          .extracting(p -> p.getSpec().getNodeName())
          .containsOnlyElementsOf(f.nodes);

      f.scale(50);
      f.awaitExactly(50, uid, Duration.ofSeconds(90));
      f.scale(120);
      f.awaitExactly(120, uid, Duration.ofSeconds(90));
    }
  }

  /** The baseline of {@code DirectSliceIT.scaleDownMidBurstEndsAtExactlyTheDesiredCount}. */
  @Test
  void scaleDownMidBurstEndsAtExactlyTheDesiredCount(ApiClient api) throws Exception {
    try (SliceFixture f = new SliceFixture(api, 4);
        PlainSlice slice = new PlainSlice(api, f.nodes, 2, Duration.ofMillis(50))) {
      slice.start();
      String uid = f.createReplicaSet(0).getMetadata().getUid();
      f.scale(BURST);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> !f.everSeen().isEmpty());
      long start = System.nanoTime();
      f.scale(50);
      f.awaitExactly(50, uid, Duration.ofSeconds(90));
      log.info(
          "scale-down {} -> 50 mid-burst converged in {} ms; pods ever persisted: {}",
          BURST,
          (System.nanoTime() - start) / 1_000_000,
          f.everSeen().size());
    }
  }
}
