package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.internal.model.WriteOp;
import org.junit.jupiter.api.Test;

/**
 * Fault matrix, "restart api-server @ in-memory x scale-down": a sandbox manager created a pod and
 * another stage deleted it through the API Server while the sandbox manager's informer was
 * reconnecting to the restarted API Server. Its relist showed neither, so nothing ever superseded
 * the copy it held, and it kept that entry for good.
 */
class FeedGapTest {

  @Test
  void aCopyTheTailStoredAndTheApiServerDeletedInsideAWatchGapIsDropped() {
    try (Chain c = new Chain(51, null)) {
      c.smFeed.lose(true);
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p"));
      assertThat(c.run(() -> c.persistedPods() == 1 && c.rs.dirtyCount() == 0))
          .as("stored, and the replicaset stage saw it")
          .isTrue();
      assertThat(c.sm.store().size()).as("the tail saw nothing of it").isEqualTo(1);

      // Deleted by another client (here: directly in the store; in the fault matrix the replicaset
      // stage's plain delete of a pod every stage but the tail had seen persisted).
      deleteAndLetTheFeedPassIt(c); // the tail's feed loses the delete
      c.smFeed.lose(false); // reconnected: the feed's revision is past both events

      assertThat(c.run(() -> c.sm.store().size() == 0 && c.quiet()))
          .as("the tail dropped the copy: %s", c.sm.store().size())
          .isTrue();
      assertThat(c.persistedPods()).isZero();
    }
  }

  @Test
  void theStagesUpstreamThatMissedTheSameEventsDropTheirEntriesToo() {
    try (Chain c = new Chain(53, null)) {
      c.persisted.pauseFeed(true);
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p"));
      assertThat(c.run(() -> c.persistedPods() == 1)).isTrue();
      assertThat(c.persisted.delete(POD, "default", "p", null).isSuccess()).isTrue();
      c.persisted.loseHeldEvents(); // every stage's feed missed the create and the delete
      assertThat(c.rs.dirtyCount()).as("the head still tracks it").isEqualTo(1);

      assertThat(c.run(() -> c.quiet() && c.rs.store().size() == 0))
          .as(
              "rs dirty %d, scheduler %d/%d, sm %d",
              c.rs.dirtyCount(),
              c.scheduler.dirtyCount(),
              c.scheduler.store().size(),
              c.sm.store().size())
          .isTrue();
    }
  }

  @Test
  void stagesUpstreamWhoseFeedsMissedWhatTheTailSawDropTheirEntries() {
    try (Chain c = new Chain(54, null)) {
      // Fault matrix, "restart api-server @ in-memory x owner-delete": the tail saw its copy stored
      // (and dropped it); the scheduler's and the replicaset stage's informers were reconnecting
      // and missed both the create and the garbage collector's delete.
      c.upstreamFeed.lose(true);
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p"));
      assertThat(c.run(() -> c.persistedPods() == 1 && c.sm.store().size() == 0))
          .as("stored, and the tail saw it")
          .isTrue();
      deleteAndLetTheFeedPassIt(c);
      c.upstreamFeed.lose(false);
      assertThat(c.rs.dirtyCount()).as("the head still tracks it").isEqualTo(1);

      assertThat(c.run(() -> c.quiet() && c.rs.dirtyCount() == 0 && c.rs.store().size() == 0))
          .as(
              "rs dirty %d, scheduler %d/%d",
              c.rs.dirtyCount(), c.scheduler.dirtyCount(), c.scheduler.store().size())
          .isTrue();
      assertThat(c.persistedPods()).isZero();
    }
  }

  @Test
  void aCopyTheFeedShowsLaterIsKept() {
    try (Chain c = new Chain(52, null)) {
      c.persisted.pauseFeed(true); // the whole feed lags (no loss): the copy is not deleted
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("p"));
      assertThat(c.run(() -> c.persistedPods() == 1)).isTrue();
      c.sched.runFor(c.limits.ackTimeout().multipliedBy(3));
      c.persisted.pauseFeed(false);
      assertThat(c.run(() -> c.quiet())).isTrue();
      assertThat(c.persistedPods()).isEqualTo(1);
      assertThat(c.persisted.log).noneMatch(l -> l.startsWith("DELETE"));
    }
  }

  /** Deletes pod p in the store directly and waits until the feed's revision has passed it. */
  private static void deleteAndLetTheFeedPassIt(Chain c) {
    assertThat(c.persisted.delete(POD, "default", "p", null).isSuccess()).isTrue();
    assertThat(
            c.run(
                () ->
                    c.persisted.observedRevision(POD).getAsLong()
                        == c.persisted.currentRevision(POD).getAsLong()))
        .as("the feed passed the delete")
        .isTrue();
  }
}
