package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.inmemory.FaultSpec;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Finding 1 of the write-back review: a delete of a pod that is not yet persisted must reach every
 * stage that holds it, the tail included, and win over the tail's write-back (before: it stopped at
 * the relay, and the tail persisted the pod anyway: scale-down mid-burst ended with extra pods).
 */
class DeletePropagationTest {

  enum Tail {
    EAGER,
    EXPOSE_ON_RECEIPT
  }

  private static WriteBackPolicy policy(Tail t) {
    return t == Tail.EAGER ? null : WriteBackPolicy.EXPOSE_ON_RECEIPT;
  }

  @ParameterizedTest(name = "tail {0}")
  @EnumSource(Tail.class)
  void scaleDownOfPodsThatLiveOnlyInMemoryEndsAtExactlyTheDesiredCount(Tail tail) {
    try (Chain c = new Chain(7, policy(tail))) {
      // The informers lag (as on a loaded API Server): nobody sees the tail's writes yet, so the
      // head's deletes
      // are of objects it believes unpersisted, exactly the window the real slice lost.
      c.persisted.pauseFeed(true);
      List<V1Pod> pods = new ArrayList<>();
      List<CompletableFuture<KubernetesObject>> created = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        V1Pod p = Chain.ownedPod("fn-" + i);
        pods.add(p);
        created.add(c.rs.write(POD, WriteOp.CREATE, p));
      }
      assertThat(c.run(() -> StageEngineTest.allDone(created) && c.sm.store().size() == 20))
          .isTrue();
      List<CompletableFuture<KubernetesObject>> deleted = new ArrayList<>();
      for (V1Pod p : pods.subList(5, 20)) {
        deleted.add(c.rs.write(POD, WriteOp.DELETE, p));
      }
      assertThat(c.run(() -> StageEngineTest.allDone(deleted))).isTrue();
      assertThat(deleted).allMatch(f -> !f.isCompletedExceptionally());
      c.persisted.pauseFeed(false);

      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 5))
          .as("converged to 5; persisted %s", names(c))
          .isTrue();
      c.sched.runFor(Duration.ofSeconds(5)); // nothing comes back later
      assertThat(names(c)).containsExactlyInAnyOrder("fn-0", "fn-1", "fn-2", "fn-3", "fn-4");
      assertThat(c.scheduler.metrics().count("deletes.propagated")).isEqualTo(15);
    }
  }

  @Test
  void aCopyPersistedBeforeTheDeleteArrivedIsDeletedAndTheDeleteCompletesOnlyThen() {
    try (Chain c = new Chain(8, WriteBackPolicy.EXPOSE_ON_RECEIPT)) {
      c.persisted.pauseFeed(true);
      V1Pod p = Chain.ownedPod("fn-0");
      CompletableFuture<KubernetesObject> created = c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(
              c.run(() -> created.isDone() && c.persisted.stored(POD, "default/fn-0").isPresent()))
          .isTrue();
      // The retraction cannot reach the tail: the relay holds the delete's ack until its downstream
      // has it.
      c.net.faults().partition("scheduler", "sm");
      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      boolean[] goneWhenDone = {false};
      deleted.whenComplete(
          (r, ex) -> goneWhenDone[0] = c.persisted.stored(POD, "default/fn-0").isEmpty());
      c.sched.runFor(Duration.ofMillis(200));
      assertThat(deleted).as("no stage has settled the delete yet").isNotDone();

      // The head then sees the copy the tail persisted: the delete wins, that copy is deleted.
      c.persisted.pauseFeed(false);
      assertThat(c.run(deleted::isDone)).isTrue();
      assertThat(deleted).isNotCompletedExceptionally();
      assertThat(goneWhenDone[0])
          .as("the delete completed only once the persisted copy was gone")
          .isTrue();
      c.net.faults().heal("scheduler", "sm");
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 0)).isTrue();
      c.sched.runFor(Duration.ofSeconds(5));
      assertThat(c.persistedPods()).isZero();
    }
  }

  @Test
  void aRelayDoesNotSendOnAnInputItsUpstreamDeleted() throws Exception {
    try (Chain c = new Chain(9, null)) {
      c.autoStatus = false;
      c.persisted.pauseFeed(true);
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> c.sm.store().get(POD, "default/fn-0").isPresent())).isTrue();
      V1Pod bound = (V1Pod) c.scheduler.store().get(POD, "default/fn-0").orElseThrow().object();
      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      assertThat(c.run(deleted::isDone)).isTrue();
      assertThat(c.sm.store().get(POD, "default/fn-0")).as("the delete reached the tail").isEmpty();

      // A late reconcile of the relay on its stale copy must not bring the pod back downstream.
      V1Pod rebound = ObjectSupport.deepCopy(bound);
      rebound.getMetadata().putLabelsItem("late", "true");
      CompletableFuture<KubernetesObject> late = c.scheduler.write(POD, WriteOp.UPDATE, rebound);
      assertThat(c.run(late::isDone)).isTrue();
      assertThat(late).isCompletedExceptionally();
      ExecutionException ex =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, late::get);
      assertThat(ex.getCause()).isInstanceOf(WriteException.class);
      assertThat(((WriteException) ex.getCause()).status()).isEqualTo(WriteResult.Status.NOT_FOUND);
      c.sched.runFor(Duration.ofSeconds(2));
      assertThat(c.sm.store().get(POD, "default/fn-0")).isEmpty();
    }
  }

  @ParameterizedTest(name = "tail {0}")
  @EnumSource(Tail.class)
  void aTailsLateStatusWriteOfAPodDeletedUpstreamDoesNotCreateIt(Tail tail) throws Exception {
    try (Chain c = new Chain(11, policy(tail))) {
      c.autoStatus = false;
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> c.sm.store().get(POD, "default/fn-0").isPresent())).isTrue();
      V1Pod received = (V1Pod) c.sm.store().get(POD, "default/fn-0").orElseThrow().object();
      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      assertThat(c.run(() -> deleted.isDone() && c.sm.store().size() == 0)).isTrue();

      // The sandbox manager's reconcile read the pod just before the delete and now reports it
      // Running.
      CompletableFuture<KubernetesObject> late =
          c.sm.write(POD, WriteOp.UPDATE_STATUS, TestPods.withPhase(received, "Running"));
      assertThat(c.run(late::isDone)).isTrue();
      ExecutionException ex =
          org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, late::get);
      assertThat(((WriteException) ex.getCause()).status()).isEqualTo(WriteResult.Status.NOT_FOUND);
      c.sched.runFor(Duration.ofSeconds(5));
      assertThat(c.persistedPods()).as("not resurrected").isZero();
    }
  }

  /**
   * Fault matrix, "kill replicaset @ in-memory x scale-down" (once, on a cold JVM under load): the
   * head's {@code write} found no API copy of the pod, and before its {@code emit} took the lock
   * the feed showed the copy the tail persisted and dropped the head's entry. The emit then took
   * the delete for one "never sent" and completed it: the pod stayed, 51 of 50, and the controller
   * waited for a delete that never came. The delete must reach the copy the API Server showed.
   */
  @Test
  void aDeleteOfAnEmittedCopyThatThePersistedCopyJustReplacedDeletesThatCopy() {
    try (Chain c = new Chain(12, null)) {
      V1Pod p = Chain.ownedPod("fn-0");
      CompletableFuture<KubernetesObject> created = c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> created.isDone() && c.quiet() && c.rs.dirtyCount() == 0)).isTrue();
      assertThat(c.persistedPods()).isEqualTo(1);

      // What write() passes on after its check found no API copy: the emitted copy (no
      // resourceVersion).
      CompletableFuture<KubernetesObject> deleted = c.rs.emit(POD, WriteOp.DELETE, p);
      assertThat(c.run(deleted::isDone)).isTrue();
      assertThat(deleted).isNotCompletedExceptionally();
      assertThat(c.persisted.stored(POD, "default/fn-0"))
          .as("the delete completed, so the persisted copy is gone")
          .isEmpty();
    }
  }

  @Test
  void deletesPropagateUnderMessageLossAndDelay() {
    try (Chain c = new Chain(10, WriteBackPolicy.EXPOSE_ON_RECEIPT)) {
      c.net
          .faults()
          .setGlobal(FaultSpec.builder().delay(Duration.ZERO, Duration.ofMillis(20)).build());
      c.persisted.pauseFeed(true);
      List<V1Pod> pods = new ArrayList<>();
      for (int i = 0; i < 30; i++) {
        pods.add(Chain.ownedPod("fn-" + i));
        c.rs.write(POD, WriteOp.CREATE, pods.get(i));
      }
      c.sched.runFor(
          Duration.ofMillis(15)); // some pods reached the tail, some are still on the way
      List<CompletableFuture<KubernetesObject>> deleted = new ArrayList<>();
      for (V1Pod p : pods.subList(10, 30)) {
        deleted.add(c.rs.write(POD, WriteOp.DELETE, p));
      }
      c.persisted.pauseFeed(false);
      assertThat(
              c.run(() -> StageEngineTest.allDone(deleted) && c.quiet() && c.persistedPods() == 10))
          .as("converged to 10; persisted %s", names(c))
          .isTrue();
      c.sched.runFor(Duration.ofSeconds(5));
      assertThat(c.persistedPods()).isEqualTo(10);
    }
  }

  private static List<String> names(Chain c) {
    return c.persisted.list(POD).stream()
        .map(o -> o.getMetadata().getName())
        .sorted()
        .collect(Collectors.toList());
  }
}
