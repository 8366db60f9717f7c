package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.writeback.WriteBackQueue;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Finding 4 (resurrection): a write-back or a late resend never re-creates an object that was
 * deleted after it was emitted, and deletes carry uid preconditions.
 */
class NoResurrectionTest {

  @Test
  void aLateResendOfAPodDeletedInTheApiServerIsNotPersistedAgainAndItsProducerDropsIt() {
    try (Chain c = new Chain(31, WriteBackPolicy.EXPOSE_ON_RECEIPT)) {
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 1)).isTrue();
      // Another client (kubectl, the garbage collector) deletes it; every stage's informer sees
      // that.
      assertThat(c.persisted.delete(POD, "default", "fn-0").status())
          .isEqualTo(WriteResult.Status.OK);
      c.sched.runFor(Duration.ofMillis(100));

      // A stale copy of the pod arrives again (a producer that still had it, a resend after a
      // reconnect).
      CompletableFuture<KubernetesObject> late = c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> late.isDone() && c.quiet()))
          .as("rs dirty=%d", c.rs.dirtyCount())
          .isTrue();
      c.sched.runFor(Duration.ofSeconds(5));
      assertThat(c.persistedPods()).as("not resurrected").isZero();
      assertThat(c.persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(1);
      assertThat(late).isCompletedExceptionally();
    }
  }

  @Test
  void aWriteBackQueuedBeforeADeleteDoesNotCreateTheObjectAfterIt() throws Exception {
    DeterministicTaskScheduler sched = new DeterministicTaskScheduler(32);
    FakePersistedStore store = new FakePersistedStore(sched);
    WriteBackQueue q =
        new WriteBackQueue(
            store,
            sched,
            new EngineMetrics(null, "sm"),
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            store,
            Duration.ofSeconds(5));
    q.track(POD);
    V1Pod p = TestPods.pod("fn-0", "node-1");
    assertThat(
            sched.runUntil(
                q.submit(POD, WriteOp.CREATE, p, null, WriteBackPolicy.EAGER)::isDone,
                Duration.ofSeconds(5)))
        .isTrue();
    store.delete(POD, "default", "fn-0");
    sched.runFor(Duration.ofMillis(10));

    // The stage's status write of its (older) in-memory copy comes after the delete.
    CompletableFuture<KubernetesObject> late =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            TestPods.withPhase(p, "Running"),
            null,
            WriteBackPolicy.EAGER);
    assertThat(sched.runUntil(late::isDone, Duration.ofSeconds(5))).isTrue();
    ExecutionException ex =
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, late::get);
    assertThat(((WriteException) ex.getCause()).status()).isEqualTo(WriteResult.Status.NOT_FOUND);
    assertThat(store.list(POD)).isEmpty();
    assertThat(store.calls(FakePersistedStore.Op.CREATE)).isEqualTo(1);
  }

  @Test
  void aDeleteOfAPersistedObjectOnlyRemovesThatIncarnation() {
    DeterministicTaskScheduler sched = new DeterministicTaskScheduler(33);
    FakePersistedStore store = new FakePersistedStore(sched);
    try (Chain c = new Chain(33, null)) {
      KubernetesObject old =
          c.persisted.put(POD, withUid(TestPods.pod("fn-0", "node-0"), "uid-old"));
      c.sched.runFor(Duration.ofMillis(50));
      c.persisted.delete(POD, "default", "fn-0");
      c.persisted.put(
          POD, withUid(TestPods.pod("fn-0", "node-0"), "uid-new")); // a new incarnation, same name
      c.sched.runFor(Duration.ofMillis(50));

      CompletableFuture<KubernetesObject> del = c.rs.write(POD, WriteOp.DELETE, old);
      assertThat(c.run(del::isDone)).isTrue();
      assertThat(del).as("that incarnation is gone: done").isNotCompletedExceptionally();
      assertThat(c.persisted.stored(POD, "default/fn-0"))
          .get()
          .extracting(o -> o.getMetadata().getUid())
          .isEqualTo("uid-new");
    }
  }

  private static V1Pod withUid(V1Pod p, String uid) {
    p.getMetadata().setUid(uid);
    return p;
  }
}
