package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.DirectSlice;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.netty.NettyTransport;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A rolling upgrade of the retrofitted slice over Netty against a real kube-apiserver: some stages
 * announce the previous protocol minor (as a not yet upgraded release would), so each of their
 * links speaks that minor, with upstream at N and downstream at N-1 on one link and the reverse on
 * the other. A burst, a restart of one of the older stages mid-burst (its links handshake again
 * across versions) and a scale-down end exactly right.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class RollingUpgradeIT {

  private static final Logger log = LoggerFactory.getLogger(RollingUpgradeIT.class);
  private static final int OLD = Transport.PROTOCOL_MINOR - 1;

  @ParameterizedTest(name = "stages still at minor N-1: {0}")
  @ValueSource(strings = {"scheduler", "replicaset,sandbox-manager"})
  void stagesAtAdjacentMinorsInteroperate(String olderStages, ApiClient api) throws Exception {
    Set<String> older = Set.of(olderStages.split(","));
    int burst = 80;
    try (SliceFixture f = new SliceFixture(api, 4)) {
      DirectLinks links =
          DirectLinks.onLoopback(f.nodes, 1)
              .withTransports(
                  stage ->
                      NettyTransport.builder()
                          .stageName(stage)
                          .plaintextOnLoopback()
                          .protocolMinor(older.contains(stage) ? OLD : Transport.PROTOCOL_MINOR)
                          .build());
      try (DirectSlice slice = new DirectSlice(api, links, Duration.ofMillis(50))) {
        slice.start();
        String uid = f.createReplicaSet(0).getMetadata().getUid();
        f.scale(burst);
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> f.everSeen().size() >= burst / 4);
        SliceStage restarted =
            older.contains("scheduler") ? slice.scheduler() : slice.sandboxManagers().get(0);
        restarted.stop();
        restarted.start();
        f.awaitExactly(burst, uid, Duration.ofSeconds(180));
        assertThat(f.everSeen()).as("pods ever persisted").hasSize(burst);
        f.scale(20);
        f.awaitExactly(20, uid, Duration.ofSeconds(90));
        log.info(
            "rolling upgrade with {} at minor {}: burst of {} and scale-down to 20 exact",
            older,
            OLD,
            burst);
      }
    }
  }
}
