package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A downstream replaced at another address (a standby took the Lease; docs/operations.md "High
 * availability"): the objects routed to the old address are routed to the new one as soon as
 * discovery lists it, instead of waiting for the old link's fallback deadline (10 s) and going
 * through the API Server.
 */
class RetiredPeerTest {

  @Test
  void objectsRoutedToAnAddressDiscoveryNoLongerListsGoToTheNewOne() {
    try (Chain c = new Chain(51, null)) {
      c.scheduler.close(); // the leader dies
      for (int i = 0; i < 5; i++) {
        c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p" + i));
      }
      c.sched.runFor(Duration.ofSeconds(1));
      assertThat(c.rs.dirtyCount()).as("held for the dead scheduler").isEqualTo(5);

      StageEngine standby = c.newScheduler("scheduler-2");
      c.sched.runFor(Duration.ofMillis(10));
      c.discovery.put(
          "scheduler", "", standby.localAddress().orElseThrow()); // the Lease now names the standby

      // Well before the old link's fallback deadline (10 s of virtual time): no API fallback
      // involved.
      assertThat(
              c.sched.runUntil(
                  () -> c.persistedPods() == 5 && c.rs.dirtyCount() == 0, Duration.ofSeconds(5)))
          .as("persisted through the standby: %s", c.persisted.log)
          .isTrue();
      assertThat(c.persisted.list(POD))
          .allSatisfy(o -> assertThat(((V1Pod) o).getSpec().getNodeName()).isEqualTo("node-0"));
      assertThat(c.persisted.log).noneMatch(l -> l.startsWith("BIND"));
    }
  }

  @Test
  void aDeleteWaitingForACutOffDownstreamCompletesWhenDiscoveryRetiresIt() {
    try (Chain c = new Chain(52, null)) {
      // The tail holds the pod and fails to create it for ~16 s; the replicaset stage's link to the
      // scheduler is cut, so its delete went through the API Server, found nothing, and waits for
      // the scheduler it had sent the pod to (docs/design.md §13.1).
      java.util.concurrent.CompletableFuture<?> delete = c.deleteWhileTheHeadIsCutOffFromAHeldPod();
      c.sched.runFor(c.limits.fallbackAfter().plusSeconds(1));
      assertThat(delete).as("waiting for the cut-off scheduler").isNotDone();

      // That scheduler is gone for good: a standby took over and discovery names it.
      c.scheduler.close();
      StageEngine standby = c.newScheduler("scheduler-2");
      c.sched.runFor(Duration.ofMillis(10));
      c.discovery.put("scheduler", "", standby.localAddress().orElseThrow());

      assertThat(c.run(delete::isDone)).as("released by the retirement").isTrue();
      assertThat(delete).isCompletedWithValueMatching(o -> true);
      assertThat(c.rs.dirtyCount()).isZero();
      // The tail's late copy (it outlived its upstream) is deleted as a late copy of a deleted pod.
      assertThat(c.run(() -> c.persistedPods() == 0 && c.sm.store().size() == 0))
          .as("no pod left: %s; log %s", c.persisted.list(POD), c.persisted.log)
          .isTrue();
    }
  }
}
