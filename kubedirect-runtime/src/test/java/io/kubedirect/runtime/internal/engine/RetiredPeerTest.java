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
}
