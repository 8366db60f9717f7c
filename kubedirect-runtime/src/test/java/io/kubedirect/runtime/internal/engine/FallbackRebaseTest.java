package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Fault matrix class C (docs/reliability.md): the replicaset stage's link to the scheduler is down
 * past the fallback deadline, so it writes its unpersisted pods through the API Server, unbound,
 * while the scheduler had already bound them and sent them on. The API copy lacks the scheduler's
 * change; nothing would bind it again (the scheduler's controller counts the pod as placed). The
 * scheduler re-applies its change onto the stored copy and sends it on as an update, which the tail
 * writes back through the pod's binding.
 */
class FallbackRebaseTest {

  @Test
  void aRelaysChangeIsReappliedOntoACopyTheUpstreamStoredThroughTheApiServer() {
    try (Chain c = new Chain(41, null)) {
      c.net
          .faults()
          .partition("scheduler", "sm"); // the bound copy is on its way, not yet at the tail
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p"));
      assertThat(c.run(() -> c.scheduler.dirtyCount() == 1))
          .as("the scheduler bound and sent it")
          .isTrue();

      c.persisted.put(
          POD, Chain.ownedPod("p")); // what the replicaset stage's fallback stores: unbound
      c.net.faults().heal("scheduler", "sm");

      assertThat(c.run(() -> node(c).isPresent() && c.quiet() && c.rs.dirtyCount() == 0))
          .as("stored bound, every stage drained; stored: %s", c.persisted.list(POD))
          .isTrue();
      assertThat(node(c)).contains("node-0");
      assertThat(c.persisted.log).contains("BIND /v1/Pod|default/p node-0");
    }
  }

  @Test
  void aCopyStoredWithTheRelaysChangeIsNotRebased() {
    try (Chain c = new Chain(42, null)) {
      c.net.faults().partition("scheduler", "sm");
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p"));
      assertThat(c.run(() -> c.scheduler.dirtyCount() == 1)).isTrue();

      V1Pod bound = Chain.ownedPod("p");
      bound.getSpec().setNodeName("node-0");
      c.persisted.put(
          POD, bound); // stored with the scheduler's change already (e.g. its own fallback)
      c.net.faults().heal("scheduler", "sm");

      assertThat(c.run(() -> c.quiet() && c.rs.dirtyCount() == 0)).isTrue();
      assertThat(node(c)).contains("node-0");
      assertThat(c.persisted.log).noneMatch(l -> l.startsWith("BIND"));
    }
  }

  @Test
  void aDeleteWrittenThroughTheFallbackAlsoDeletesACopyADownstreamPersistsLater() {
    try (Chain c = new Chain(43, null)) {
      // The tail's creates fail for ~16 s (backoff 50 ms doubling to 5 s): it persists the pod only
      // after the
      // replicaset stage's fallback delete (10 s after its link went down) found nothing to delete.
      c.deleteWhileTheHeadIsCutOffFromAHeldPod(); // the retraction cannot reach the scheduler
      assertThat(c.run(() -> c.persisted.log.stream().anyMatch(l -> l.startsWith("CREATE"))))
          .as("the tail persisted it late")
          .isTrue();
      c.net.faults().heal("rs", "scheduler");
      assertThat(c.run(() -> c.persistedPods() == 0 && c.quiet() && c.rs.dirtyCount() == 0))
          .as("no pod left: %s; log %s", c.persisted.list(POD), c.persisted.log)
          .isTrue();
    }
  }

  @Test
  void aDeleteTheApiServerFoundNothingForWaitsForTheCutOffDownstream() {
    for (boolean healFirst : new boolean[] {false, true}) {
      try (Chain c = new Chain(44, null)) {
        // The tail holds the pod and fails to create it for ~16 s; the replicaset stage's link is
        // cut, so its delete goes through the API Server after the fallback deadline and finds
        // nothing there.
        CompletableFuture<?> delete = c.deleteWhileTheHeadIsCutOffFromAHeldPod();
        c.sched.runFor(c.limits.fallbackAfter().plusSeconds(1));
        assertThat(c.persisted.log).noneMatch(l -> l.startsWith("CREATE"));
        assertThat(delete)
            .as("the API Server holds no copy, but the scheduler and the tail still hold theirs")
            .isNotDone();

        if (healFirst) {
          // The link's handshake sends the delete on; the tail cancels its create.
          c.net.faults().heal("rs", "scheduler");
          assertThat(c.run(delete::isDone)).isTrue();
          assertThat(c.persisted.log).noneMatch(l -> l.startsWith("CREATE"));
        } else {
          // The tail persists its copy while still cut off: the tombstone deletes that copy, and
          // the delete completes once it is gone.
          assertThat(c.run(delete::isDone)).isTrue();
          assertThat(c.persisted.log).contains("CREATE /v1/Pod|default/p");
          assertThat(c.persistedPods()).isZero();
          c.net.faults().heal("rs", "scheduler");
        }
        assertThat(delete).isCompletedWithValueMatching(o -> true);
        assertThat(c.run(() -> c.persistedPods() == 0 && c.quiet()))
            .as("healFirst=%s: no pod left: %s", healFirst, c.persisted.list(POD))
            .isTrue();
      }
    }
  }

  @Test
  void aDeleteOverALinkThatCameBackStopsTheRelaysPendingFallbackCreate() {
    try (Chain c = new Chain(45, null)) {
      // The scheduler's link to the tail is cut past the fallback deadline: it writes the bound
      // pod through the API Server, which keeps failing, so that create is still pending when the
      // link comes back and the head deletes the pod (simulation seed 1377).
      c.net.faults().partition("scheduler", "sm");
      c.persisted.failNext(
          FakePersistedStore.Op.CREATE, io.kubedirect.api.WriteResult.Status.RETRYABLE_FAILURE, 12);
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p"));
      assertThat(c.run(() -> c.persisted.calls(FakePersistedStore.Op.CREATE) > 0))
          .as("the scheduler's fallback create is under way")
          .isTrue();
      c.net.faults().heal("scheduler", "sm");
      assertThat(
              c.run(
                  () ->
                      c.sm.store().size() == 1
                          && !c.scheduler.inFallback(new PeerAddress("node-0", 40000))))
          .as("the link is back: the tail holds the pod")
          .isTrue();

      CompletableFuture<?> delete = c.rs.write(POD, WriteOp.DELETE, Chain.ownedPod("p"));
      assertThat(c.run(delete::isDone)).isTrue();
      int writesBeforeDone = c.persisted.log.size();
      // Virtual time: long enough for a pending create to outlast its scripted failures (~31 s).
      c.sched.runFor(java.time.Duration.ofSeconds(60));
      assertThat(c.persisted.log.subList(writesBeforeDone, c.persisted.log.size()))
          .as("the delete completed while a stage would still persist the pod")
          .noneMatch(l -> l.startsWith("CREATE"));
      assertThat(c.run(() -> c.quiet() && c.rs.dirtyCount() == 0 && c.persistedPods() == 0))
          .isTrue();
    }
  }

  private static Optional<String> node(Chain c) {
    return c.persisted.list(POD).stream()
        .map(o -> ((V1Pod) o).getSpec().getNodeName())
        .filter(n -> n != null)
        .findFirst();
  }
}
