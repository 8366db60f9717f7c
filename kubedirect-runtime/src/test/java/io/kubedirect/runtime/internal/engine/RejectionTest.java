package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Finding 2: objects the API Server rejects for good (e.g. 403 at admission) must not become
 * phantom replicas. The rejection travels back along the chain: every stage drops the object, the
 * head's view stops showing it, its writers see the API's reason, a FailedCreate Event is recorded
 * on the owner, and no dirty entry leaks.
 */
class RejectionTest {

  private static final String BAD_OWNER = "rs-uid-bad";

  private static boolean ownedBy(KubernetesObject o, String uid) {
    return o.getMetadata().getOwnerReferences() != null
        && o.getMetadata().getOwnerReferences().stream().anyMatch(r -> uid.equals(r.getUid()));
  }

  @Test
  void rejectedPodsAreDroppedByEveryStageAndReportedOnTheirOwner() {
    try (Chain c = new Chain(21, WriteBackPolicy.EXPOSE_ON_RECEIPT)) {
      c.persisted.rejectCreates(o -> ownedBy(o, BAD_OWNER));
      List<CompletableFuture<KubernetesObject>> created = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        created.add(c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("bad-" + i, BAD_OWNER)));
      }
      assertThat(
              c.run(
                  () ->
                      StageEngineTest.allDone(created)
                          && c.quiet()
                          && c.rs.metrics().count("rejections") == 20))
          .as("rs dirty=%d", c.rs.dirtyCount())
          .isTrue();
      assertThat(c.persistedPods()).isZero();
      assertThat(c.rs.emittedView().size()).as("the head's informers no longer show them").isZero();
      assertThat(c.persisted.events)
          .hasSize(20)
          .allMatch(
              e ->
                  e.startsWith(
                      "Warning FailedCreate ReplicaSet/rs-" + BAD_OWNER + ": Error creating: "))
          .allMatch(e -> e.contains("forbidden"));
      assertThat(c.sm.metrics().count("rejections")).isEqualTo(20);
    }
  }

  @Test
  void rejectedObjectsNeverFillTheDirtyBoundAndTheStageRecovers() {
    try (Chain c =
        new Chain(
            22,
            WriteBackPolicy.EXPOSE_ON_RECEIPT,
            EngineLimits.defaults().withMaxDirtyObjects(10))) {
      c.persisted.rejectCreates(o -> ownedBy(o, BAD_OWNER));
      List<CompletableFuture<KubernetesObject>> bad = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        bad.add(c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("bad-" + i, BAD_OWNER)));
      }
      assertThat(c.run(() -> StageEngineTest.allDone(bad) && c.rs.dirtyCount() == 0 && c.quiet()))
          .isTrue();

      List<CompletableFuture<KubernetesObject>> good = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        good.add(c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("good-" + i, "rs-uid-good")));
      }
      assertThat(c.run(() -> StageEngineTest.allDone(good) && c.quiet() && c.persistedPods() == 10))
          .isTrue();
      assertThat(good).allMatch(f -> !f.isCompletedExceptionally());
    }
  }

  @Test
  void newObjectsOfARejectedOwnerFailFastWithTheApiReasonThenGoThroughOnceAccepted()
      throws Exception {
    try (Chain c = new Chain(23, WriteBackPolicy.EXPOSE_ON_RECEIPT)) {
      c.persisted.rejectCreates(o -> ownedBy(o, BAD_OWNER));
      CompletableFuture<KubernetesObject> first =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("bad-0", BAD_OWNER));
      assertThat(
              c.run(() -> first.isDone() && c.quiet() && c.rs.metrics().count("rejections") == 1))
          .isTrue();

      CompletableFuture<KubernetesObject> again =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("bad-1", BAD_OWNER));
      assertThat(again).isCompletedExceptionally();
      ExecutionException ex =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, again::get);
      assertThat(ex.getCause())
          .isInstanceOf(WriteException.class)
          .hasMessageContaining("forbidden");
      assertThat(((WriteException) ex.getCause()).status()).isEqualTo(WriteResult.Status.FAILED);
      assertThat(c.rs.metrics().count("rejections", "where", "owner"))
          .as("a fast failure is counted apart from the API's rejections")
          .isEqualTo(1.0);

      // The admission problem is fixed (e.g. the PriorityClass was created) and the backoff has
      // passed.
      c.persisted.rejectCreates(o -> false);
      c.sched.runFor(Duration.ofSeconds(2));
      V1Pod ok = Chain.ownedPod("bad-2", BAD_OWNER);
      CompletableFuture<KubernetesObject> later = c.rs.write(POD, WriteOp.CREATE, ok);
      assertThat(c.run(() -> later.isDone() && c.quiet() && c.persistedPods() == 1)).isTrue();
      assertThat(later).isNotCompletedExceptionally();
    }
  }

  @Test
  void writeBackRetriesSurfaceOncePerObjectAfterTheLimit() {
    try (Chain c =
        new Chain(
            24,
            null,
            EngineLimits.defaults()
                .withRetriesBeforeReport(3)
                .withRetry(Duration.ofMillis(10), Duration.ofMillis(40)))) {
      c.persisted.failNext(
          FakePersistedStore.Op.UPDATE_STATUS, WriteResult.Status.RETRYABLE_FAILURE, 12);
      CompletableFuture<KubernetesObject> f =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("slow-0"));
      assertThat(
              c.run(
                  () ->
                      f.isDone()
                          && c.quiet()
                          && c.persisted.log.contains("UPDATE_STATUS /v1/Pod|default/slow-0")))
          .isTrue();
      assertThat(c.sm.metrics().count("writeback.retrying"))
          .as(
              "reported once, not per attempt; status calls %d, log %s",
              c.persisted.calls(FakePersistedStore.Op.UPDATE_STATUS), c.persisted.log)
          .isEqualTo(1);
      assertThat(c.persisted.events)
          .singleElement()
          .satisfies(e -> assertThat(e).startsWith("Warning WriteBackRetrying Pod/slow-0"));
    }
  }
}
