package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.DirectSlice;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrofitted slice against a real kube-apiserver: pods travel replicaset -> scheduler ->
 * sandbox manager over Netty links and only the sandbox manager writes them (create with nodeName,
 * then status); a plain API-Server informer must still see exactly the right pods, also after a
 * stage is killed mid-burst (all its memory dropped) and restarted.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class DirectSliceIT {

  private static final Logger log = LoggerFactory.getLogger(DirectSliceIT.class);

  @Test
  void burstThenScaleDownAndUpConvergeToExactlyTheRightPods(ApiClient api) throws Exception {
    try (SliceFixture f = new SliceFixture(api, 4);
        DirectSlice slice =
            new DirectSlice(api, DirectLinks.onLoopback(f.nodes, 2), Duration.ofMillis(50))) {
      slice.start();
      String uid = f.createReplicaSet(0).getMetadata().getUid();
      f.scale(200);
      f.awaitExactly(200, uid, Duration.ofSeconds(150));
      assertThat(f.everSeen()).as("no pod persisted beyond the 200 asked for").hasSize(200);

      f.scale(50);
      f.awaitExactly(50, uid, Duration.ofSeconds(90));
      f.scale(120);
      f.awaitExactly(120, uid, Duration.ofSeconds(90));
    }
  }

  @ParameterizedTest(name = "kill and restart the {0} mid-burst")
  @ValueSource(strings = {"replicaset", "scheduler", "sandbox-manager"})
  void killingAStageMidBurstLosesAndDuplicatesNothing(String stage, ApiClient api)
      throws Exception {
    int burst = 120;
    try (SliceFixture f = new SliceFixture(api, 4);
        DirectSlice slice =
            new DirectSlice(api, DirectLinks.onLoopback(f.nodes, 2), Duration.ofMillis(50))) {
      slice.start();
      String uid = f.createReplicaSet(0).getMetadata().getUid();
      f.scale(burst);
      // mid-burst: some pods are Ready, many are still in flight between the stages
      await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(20))
          .until(() -> f.pods().stream().filter(Pods::isReady).count() >= burst / 5);
      SliceStage victim =
          switch (stage) {
            case "replicaset" -> slice.replicaSet();
            case "scheduler" -> slice.scheduler();
            default -> slice.sandboxManagers().get(0);
          };
      long readyAtKill = f.pods().stream().filter(Pods::isReady).count();
      victim.stop();
      assertThat(victim.isRunning()).isFalse();
      victim.start();

      f.awaitExactly(burst, uid, Duration.ofSeconds(180));
      log.info(
          "killed {} with {} of {} pods Ready; pods ever persisted: {}",
          stage,
          readyAtKill,
          burst,
          f.everSeen().size());
      // No surplus pod is ever persisted, whichever stage restarted: a restarted head sees, before
      // it
      // reconciles, the pods its downstream still holds (the scheduler's handshake snapshot carries
      // them with
      // content); a restarted relay or tail gets the same pods (same names) again from its
      // upstream.
      assertThat(f.everSeen())
          .as("pods ever persisted after restarting the %s stage", stage)
          .hasSize(burst);
    }
  }

  /**
   * Scale-down while the burst's pods live only in memory: deletes of unpersisted pods must reach
   * the sandbox managers and win over their write-back (before: 57-64 pods remained of 50).
   */
  @Test
  void scaleDownMidBurstEndsAtExactlyTheDesiredCount(ApiClient api) throws Exception {
    try (SliceFixture f = new SliceFixture(api, 4);
        DirectSlice slice =
            new DirectSlice(api, DirectLinks.onLoopback(f.nodes, 2), Duration.ofMillis(50))) {
      slice.start();
      String uid = f.createReplicaSet(0).getMetadata().getUid();
      f.scale(200);
      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> !f.everSeen().isEmpty());
      long start = System.nanoTime();
      f.scale(50);
      f.awaitExactly(50, uid, Duration.ofSeconds(90));
      log.info(
          "scale-down 200 -> 50 mid-burst converged in {} ms; pods ever persisted: {}",
          (System.nanoTime() - start) / 1_000_000,
          f.everSeen().size());
    }
  }

  /**
   * Pods the API Server rejects at admission (no such PriorityClass: 403) are not phantom replicas:
   * the rejection travels back to the ReplicaSet stage, whose status shows 0, and a FailedCreate
   * Event is recorded on the ReplicaSet. (Recovery once the PriorityClass exists is not asserted:
   * in 2 of 4 runs the example controller stopped 2-8 pods short within 2 minutes; open, see
   * docs/design.md §13.2.)
   */
  @Test
  void podsRejectedAtAdmissionAreReportedAndNotCounted(ApiClient api) throws Exception {
    try (SliceFixture f = new SliceFixture(api, 2);
        DirectSlice slice =
            new DirectSlice(api, DirectLinks.onLoopback(f.nodes, 1), Duration.ofMillis(50))) {
      slice.start();
      String priority = "kd-missing-" + f.namespace;
      V1ReplicaSet rs = Workloads.exampleReplicaSet(f.namespace, SliceFixture.FUNCTION, 20);
      rs.getSpec().getTemplate().getSpec().setPriorityClassName(priority);
      String uid =
          f.apps.createNamespacedReplicaSet(f.namespace, rs).execute().getMetadata().getUid();

      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                List<CoreV1Event> events =
                    f.core.listNamespacedEvent(f.namespace).execute().getItems();
                assertThat(events)
                    .anySatisfy(
                        e -> {
                          assertThat(e.getReason()).isEqualTo("FailedCreate");
                          assertThat(e.getInvolvedObject().getUid()).isEqualTo(uid);
                          assertThat(e.getMessage()).contains(priority);
                        });
                V1ReplicaSet cur =
                    f.apps.readNamespacedReplicaSet(SliceFixture.FUNCTION, f.namespace).execute();
                assertThat(cur.getStatus()).isNotNull();
                assertThat(cur.getStatus().getReplicas()).as("no phantom replicas").isZero();
              });
      assertThat(f.pods()).isEmpty();
    }
  }
}
