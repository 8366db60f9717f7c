package io.kubedirect.runtime.engine;

import static io.kubedirect.runtime.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.common.KubernetesObject;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Engine bugs the deterministic chain simulation found with every fault class on (issue #7, item 8; the seeds
 * are in docs/design.md §12.3), each reduced to the {@link Chain} fixture.
 */
class SimulationFindingsTest {

  /**
   * Soak seed 6149 (twin head): the head's informer showed a pod persisted before the relay's did, then a new
   * handshake (a twin's fencing) got a snapshot that still listed the pod. The head adopted it; no feed event
   * or later snapshot dropped that entry, and the stage never converged.
   */
  @Test
  void aHeadDoesNotAdoptAHeldCopyItsFeedAlreadyShowedPersisted() {
    try (Chain c = new Chain(61, null)) {
      c.persisted.pauseFeed(true); // the relay's informer lags
      CompletableFuture<KubernetesObject> f = c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(() -> f.isDone() && c.persisted.stored(POD, "default/fn-0").isPresent())).isTrue();
      // The head's informer is ahead of the relay's: it shows the API copy already.
      ((DefaultStageEngine) c.rs).onPersisted(POD, c.persisted.stored(POD, "default/fn-0").orElseThrow());
      assertThat(c.rs.dirtyCount()).isZero();

      c.net.faults().killLinks("rs", "scheduler"); // a new handshake while the relay still holds its copy
      c.sched.runFor(Duration.ofSeconds(1));
      assertThat(c.scheduler.store().get(POD, "default/fn-0")).as("still held by the relay").isPresent();
      assertThat(c.rs.dirtyCount()).as("not adopted: nothing would drop it").isZero();
      assertThat(c.rs.emittedView().size()).isZero();

      c.persisted.pauseFeed(false);
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 1)).isTrue();
    }
  }
}
