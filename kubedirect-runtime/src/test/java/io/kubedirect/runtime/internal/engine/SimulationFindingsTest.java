package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.inmemory.FaultSpec;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Engine bugs the deterministic chain simulation found with every fault class on (issue #7, item 8;
 * the seeds are in docs/design.md §12.3), each reduced to the {@link Chain} fixture.
 */
class SimulationFindingsTest {

  /**
   * Soak seed 6149 (twin head): the head's informer showed a pod persisted before the relay's did,
   * then a new handshake (a twin's fencing) got a snapshot that still listed the pod. The head
   * adopted it; no feed event or later snapshot dropped that entry, and the stage never converged.
   */
  @Test
  void aHeadDoesNotAdoptAHeldCopyItsFeedAlreadyShowedPersisted() {
    try (Chain c = new Chain(61, null)) {
      c.persisted.pauseFeed(true); // the relay's informer lags
      CompletableFuture<KubernetesObject> f =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(() -> f.isDone() && c.persisted.stored(POD, "default/fn-0").isPresent()))
          .isTrue();
      // The head's informer is ahead of the relay's: it shows the API copy already.
      ((DefaultStageEngine) c.rs)
          .onPersisted(POD, c.persisted.stored(POD, "default/fn-0").orElseThrow());
      assertThat(c.rs.dirtyCount()).isZero();

      c.net
          .faults()
          .killLinks("rs", "scheduler"); // a new handshake while the relay still holds its copy
      c.sched.runFor(Duration.ofSeconds(1));
      assertThat(c.scheduler.store().get(POD, "default/fn-0"))
          .as("still held by the relay")
          .isPresent();
      assertThat(c.rs.dirtyCount()).as("not adopted: nothing would drop it").isZero();
      assertThat(c.rs.emittedView().size()).isZero();

      c.persisted.pauseFeed(false);
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 1)).isTrue();
    }
  }

  /**
   * Seed 3941 (all classes, twin head): as above, but the head's feed had also shown the API copy
   * deleted (the head deleted it itself) when a snapshot still listed the relay's copy. The adopted
   * entry made the head count a deleted pod as a replica, for good (4 pods persisted for 5
   * desired).
   */
  @Test
  void aHeadDoesNotAdoptAHeldCopyItsFeedAlreadyShowedDeleted() {
    try (Chain c = new Chain(68, null)) {
      c.persisted.pauseFeed(true); // the relay's informer lags
      CompletableFuture<KubernetesObject> f =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(() -> f.isDone() && c.persisted.stored(POD, "default/fn-0").isPresent()))
          .isTrue();
      KubernetesObject stored = c.persisted.stored(POD, "default/fn-0").orElseThrow();
      c.persisted.delete(POD, "default", "fn-0", stored.getMetadata().getUid());
      // The head's informer is ahead of the relay's: it showed the API copy, then its deletion.
      ((DefaultStageEngine) c.rs).onPersisted(POD, stored);
      ((DefaultStageEngine) c.rs).onDeleted(POD, stored);

      c.net
          .faults()
          .killLinks("rs", "scheduler"); // a new handshake while the relay still holds its copy
      c.sched.runFor(Duration.ofSeconds(1));
      assertThat(c.scheduler.store().get(POD, "default/fn-0"))
          .as("still held by the relay")
          .isPresent();
      assertThat(c.rs.dirtyCount()).as("not adopted").isZero();
      assertThat(c.rs.emittedView().size()).as("not counted as a replica").isZero();

      c.persisted.pauseFeed(false);
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 0)).isTrue();
    }
  }

  /**
   * Seed 255 (all classes): a restarted head adopted pods from the relay's snapshot with the
   * content the relay holds (bound to a node). Its delete of such a pod was routed by that node
   * name, which resolved to no instance of the relay's stage: the delete went through the API
   * Server (nothing there: "done") while the relay and the tail still held the pod, and the tail
   * persisted it after the delete had completed.
   */
  @Test
  void aDeleteGoesWhereTheObjectIsHeldWhateverItsRoutingKeyResolvesToNow() {
    try (Chain c = new Chain(62, null)) {
      c.autoStatus = false; // pods stay in memory at the tail
      c.discovery.strict(true); // the relay's stage has no instance for the key "node-0"
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(() -> c.sm.store().size() == 1)).isTrue();
      c.rs.close();

      StageEngine restarted = c.newHead(c.clock());
      assertThat(c.run(() -> restarted.emittedView().size() == 1))
          .as("adopted what the relay holds")
          .isTrue();
      V1Pod held = (V1Pod) restarted.emittedView().get(POD, "default/fn-0").orElseThrow().object();
      assertThat(held.getSpec().getNodeName()).as("as the relay bound it").isEqualTo("node-0");
      CompletableFuture<KubernetesObject> deleted = restarted.write(POD, WriteOp.DELETE, held);
      boolean[] heldWhenDone = {true};
      deleted.whenComplete(
          (r, ex) -> heldWhenDone[0] = c.sm.store().size() + c.scheduler.store().size() > 0);
      assertThat(c.run(() -> deleted.isDone() && c.quiet() && restarted.dirtyCount() == 0))
          .isTrue();
      assertThat(deleted).isNotCompletedExceptionally();
      assertThat(heldWhenDone[0]).as("completed only once no stage holds the pod").isFalse();
      assertThat(restarted.metrics().count("fallback.writes")).isZero();
      c.sched.runFor(Duration.ofSeconds(5));
      assertThat(c.persistedPods()).isZero();
    }
  }

  /**
   * Seeds 66, 98, 207, 288 (all classes): a delete whose batch was lost (link loss, ack timeout)
   * was settled by the next handshake as a retraction when the downstream still held the object. A
   * handshake retraction does not cascade and a tail does not cancel its write-back for it, so the
   * delete completed while the relay's copy downstream (or the tail's write-back) lived on, and the
   * tail persisted the pod after the delete.
   */
  @Test
  void aDeleteStillHeldDownstreamAtTheNextHandshakeIsSentAsADeleteNotARetraction() {
    try (Chain c = new Chain(63, null)) {
      c.autoStatus = false; // the tail holds the pod in memory
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> c.sm.store().size() == 1)).isTrue();

      c.net.faults().setLink("rs", "scheduler", FaultSpec.builder().drop(1.0, false).build());
      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      c.sched.runFor(Duration.ofMillis(20)); // the delete's batch is lost
      c.net.faults().clearLink("rs", "scheduler");
      c.net.faults().killLinks("rs", "scheduler"); // the next handshake finds the pod still held
      boolean[] heldWhenDone = {true};
      deleted.whenComplete(
          (r, ex) -> heldWhenDone[0] = c.sm.store().size() + c.scheduler.store().size() > 0);
      assertThat(c.run(() -> deleted.isDone() && c.quiet()))
          .as("sm holds %s", c.sm.store().size())
          .isTrue();
      assertThat(deleted).isNotCompletedExceptionally();
      assertThat(heldWhenDone[0]).as("completed only once no stage holds the pod").isFalse();
      assertThat(c.scheduler.metrics().count("deletes.propagated")).isEqualTo(1);
    }
  }

  /**
   * Seed 349 (all classes): pods emitted while a handshake ran were resent in its reconcile and
   * sent again after the confirm. The tail had meanwhile rejected one of them and the relay had
   * dropped it, so the relay took the repeat for a new copy and sent it on; the head, told of the
   * rejection, created a replacement while that copy was still held downstream (a surplus create).
   */
  @Test
  void anObjectEmittedWhileAHandshakeRunsIsSentOnceInTheResend() {
    try (Chain c = new Chain(64, null)) {
      c.autoStatus = false;
      DefaultStageEngine head = (DefaultStageEngine) c.rs;
      c.net
          .faults()
          .setLink(
              "rs",
              "scheduler",
              FaultSpec.builder().delay(Duration.ofMillis(50), Duration.ofMillis(50)).build());
      c.net.faults().killLinks("rs", "scheduler");
      assertThat(
              c.run(
                  () -> {
                    synchronized (head) {
                      UpstreamSession s = head.upstreamSessions.values().iterator().next();
                      return s.state == UpstreamSession.State.HANDSHAKE1;
                    }
                  }))
          .as("a new handshake waits for its snapshot")
          .isTrue();
      double before = objectsIn(c.scheduler);

      CompletableFuture<KubernetesObject> f =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(() -> f.isDone() && c.sm.store().size() == 1)).isTrue();
      c.sched.runFor(Duration.ofSeconds(1));
      assertThat(objectsIn(c.scheduler) - before)
          .as("received once, in the handshake's resend")
          .isEqualTo(1);
    }
  }

  private static double objectsIn(StageEngine e) {
    return e
        .metrics()
        .registry()
        .find("kubedirect.link.objects")
        .tag("direction", "in")
        .counters()
        .stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count)
        .sum();
  }

  /**
   * Seed 2514 (all classes): a relay whose link to the tail was in fallback had written a pod
   * through the API Server itself. The head's delete of it (unpersisted as far as the head knew)
   * reached the relay, which acknowledged it at once (its entry counted as persisted, and its feed
   * did not show the copy yet): the delete completed while the relay's copy was stored.
   */
  @Test
  void aRelayDeletesTheCopyItWroteThroughTheApiServerBeforeAcknowledgingTheDelete() {
    try (Chain c =
        new Chain(65, null, EngineLimits.defaults().withFallbackAfter(Duration.ofMillis(300)))) {
      c.persisted.pauseFeed(true); // nobody sees the relay's copy yet
      c.net.faults().partition("scheduler", "sm");
      c.net.faults().killLinks("scheduler", "sm");
      c.sched.runFor(Duration.ofSeconds(1)); // the relay's link to the tail is in fallback
      V1Pod p = Chain.ownedPod("fn-0");
      CompletableFuture<KubernetesObject> created = c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(
              c.run(() -> created.isDone() && c.persisted.stored(POD, "default/fn-0").isPresent()))
          .as("bound and written through the API Server by the relay")
          .isTrue();

      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      boolean[] storedWhenDone = {true};
      deleted.whenComplete(
          (r, ex) -> storedWhenDone[0] = c.persisted.stored(POD, "default/fn-0").isPresent());
      assertThat(c.run(deleted::isDone)).isTrue();
      assertThat(deleted).isNotCompletedExceptionally();
      assertThat(storedWhenDone[0]).as("completed only once the relay's copy is gone").isFalse();
      c.persisted.pauseFeed(false);
      c.net.faults().heal("scheduler", "sm");
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 0)).isTrue();
    }
  }

  /**
   * Seed 2404 (all classes): a relay's link to the tail was in fallback and its create of a pod
   * through the API Server kept failing (retryable); the link came back and the handshake resent
   * the pod to the tail; then the API Server rejected the relay's create for good. The relay
   * dropped the pod and told the head, whose replacement was a surplus create while the tail still
   * held the rejected pod and kept trying to persist it.
   */
  @Test
  void aRelayWhoseFallbackCreateIsRejectedTakesBackTheCopyItResentDownstream() {
    try (Chain c =
        new Chain(66, null, EngineLimits.defaults().withFallbackAfter(Duration.ofMillis(300)))) {
      c.autoStatus = false; // the tail holds the pod without writing it
      c.persisted.rejectCreates(o -> o.getMetadata().getName().equals("fn-0"));
      c.persisted.failNext(
          FakePersistedStore.Op.CREATE,
          io.kubedirect.api.WriteResult.Status.RETRYABLE_FAILURE,
          6); // about 3 s of retries
      c.net.faults().partition("scheduler", "sm");
      c.net.faults().killLinks("scheduler", "sm");
      c.sched.runFor(Duration.ofSeconds(1)); // the relay's link to the tail is in fallback
      CompletableFuture<KubernetesObject> created =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      c.sched.runFor(Duration.ofMillis(200)); // the relay's fallback create is retrying
      c.net.faults().heal("scheduler", "sm");
      assertThat(c.run(() -> c.sm.store().size() == 1))
          .as("resent to the tail by the handshake")
          .isTrue();

      assertThat(c.run(() -> created.isDone() && c.quiet()))
          .as("tail holds %s", c.sm.store().size())
          .isTrue();
      assertThat(c.rs.emittedView().size()).as("the head counts no phantom replica").isZero();
      assertThat(c.persistedPods()).isZero();
    }
  }

  /**
   * Seed 21 (all classes): the relay crashed while the tail's write-back of a pod was retrying; the
   * head deleted the pod meanwhile. The restarted relay did not know the pod: the head's delete
   * completed at their handshake (nothing held there), and the relay's handshake withdrew the
   * tail's copy, but the tail kept writing it back and created it after the delete had completed.
   */
  @Test
  void aCopyWithdrawnByAHandshakeIsNotWrittenBackByTheTail() {
    try (Chain c = new Chain(67, null)) {
      c.persisted.failNext(
          FakePersistedStore.Op.CREATE,
          io.kubedirect.api.WriteResult.Status.RETRYABLE_FAILURE,
          8); // the tail's write-back retries for about ten seconds
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p);
      DefaultStageEngine tail = (DefaultStageEngine) c.sm;
      assertThat(c.run(() -> tail.writeBack.isPending(POD, "default/fn-0"))).isTrue();

      io.kubedirect.transport.PeerAddress relayAddress = c.scheduler.localAddress().orElseThrow();
      c.scheduler.close(); // the relay crashes
      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      StageEngine relay =
          StageEngine.builder()
              .stage(Chain.SCHED)
              .transport(c.net.transport("scheduler"))
              .scheduler(c.sched)
              .persistedApi(c.persisted)
              .persistedFeed(c.persisted)
              .listen(relayAddress)
              .discovery(c.discovery)
              .epochSource(c.clock())
              .limits(c.limits)
              .build();
      try {
        relay.start();
        assertThat(c.run(() -> deleted.isDone() && c.sm.store().size() == 0)).isTrue();
        assertThat(deleted).isNotCompletedExceptionally();
        c.sched.runFor(Duration.ofSeconds(30));
        assertThat(tail.writeBack.isPending(POD, "default/fn-0")).isFalse();
        assertThat(c.persisted.log)
            .as("never created")
            .doesNotContain("CREATE /v1/Pod|default/fn-0");
      } finally {
        relay.close();
      }
    }
  }

  /**
   * Seeds 3009, 4092 (all classes): the relay passed a delete on to the tail, and the head's next
   * handshake (its link had timed out while the relay waited for the tail) found the object no
   * longer held by the relay and settled the delete, while the relay's own delete had not reached
   * the tail, which then persisted the pod.
   */
  @Test
  void aDeleteIsSettledOnlyWhenTheRelaysOwnDeleteOfItsCopyIs() {
    try (Chain c =
        new Chain(69, null, EngineLimits.defaults().withAckTimeout(Duration.ofSeconds(1)))) {
      c.autoStatus = false; // the tail holds the pod in memory
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> c.sm.store().size() == 1)).isTrue();

      c.net
          .faults()
          .setLink("scheduler", "sm", FaultSpec.builder().drop(1.0, false).build()); // lossy
      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      c.sched.runFor(
          Duration.ofSeconds(4)); // the head's link times out and re-handshakes, more than once
      assertThat(c.scheduler.store().size()).as("the relay has the delete").isZero();
      assertThat(deleted).as("the relay's delete has not reached the tail").isNotDone();

      c.net.faults().clearLink("scheduler", "sm");
      boolean[] heldWhenDone = {true};
      deleted.whenComplete((r, ex) -> heldWhenDone[0] = c.sm.store().size() > 0);
      assertThat(c.run(() -> deleted.isDone() && c.quiet())).isTrue();
      assertThat(deleted).isNotCompletedExceptionally();
      assertThat(heldWhenDone[0]).as("completed only once the tail dropped the pod").isFalse();
    }
  }

  /**
   * Seeds 7286, 9924 (all classes): a REJECTED notice was lost on a link that stayed up (a silent
   * drop, which the Link contract allows: "at most once"). Nothing sent it again: the head kept the
   * rejected pod as a replica and its dirty entry for good. Notices are now sent again after an ack
   * timeout (three sends in all).
   */
  @Test
  void aRejectionNoticeLostOnALiveLinkIsSentAgain() {
    try (Chain c = new Chain(70, null)) {
      c.persisted.rejectCreates(o -> o.getMetadata().getName().equals("fn-0"));
      c.persisted.failNext(
          FakePersistedStore.Op.CREATE,
          io.kubedirect.api.WriteResult.Status.RETRYABLE_FAILURE,
          1); // the tail's first create fails retryably: the rejection comes a little later
      CompletableFuture<KubernetesObject> created =
          c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(created::isDone)).isTrue();
      c.net.faults().setLink("rs", "scheduler", FaultSpec.builder().drop(1.0, false).build());
      assertThat(c.run(() -> c.scheduler.dirtyCount() == 0 && c.sm.store().size() == 0))
          .as("the tail rejected the pod, the relay dropped it")
          .isTrue();
      c.sched.runFor(Duration.ofSeconds(1)); // the relay's notice to the head is lost
      c.net.faults().clearLink("rs", "scheduler");
      assertThat(c.rs.dirtyCount()).isEqualTo(1);

      assertThat(c.run(() -> c.quiet() && c.rs.emittedView().size() == 0))
          .as("head dirty %s", c.rs.dirtyCount())
          .isTrue();
      assertThat(c.persistedPods()).isZero();
    }
  }

  /**
   * Seed 8969 (all classes): the head's link to the relay was in fallback, its create of a pod
   * through the API Server kept failing (retryable), and the link came back: the handshake resent
   * the pod to the relay. The head deleted the pod before the confirm; the delete still went
   * through the API Server (nothing there: done) and completed, while the relay and then the tail
   * held the resent copy and the tail persisted it.
   */
  @Test
  void aDeleteWhileTheLinkIsComingBackGoesOverTheLink() {
    try (Chain c =
        new Chain(71, null, EngineLimits.defaults().withFallbackAfter(Duration.ofMillis(300)))) {
      c.persisted.failNext(
          FakePersistedStore.Op.CREATE,
          io.kubedirect.api.WriteResult.Status.RETRYABLE_FAILURE,
          10); // no create succeeds for a while
      c.net.faults().partition("rs", "scheduler");
      c.net.faults().killLinks("rs", "scheduler");
      c.sched.runFor(Duration.ofSeconds(1)); // the head's link is in fallback
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p); // written through the API Server: retrying
      c.sched.runFor(Duration.ofMillis(100));
      c.net
          .faults()
          .setLink(
              "rs",
              "scheduler",
              FaultSpec.builder().delay(Duration.ofMillis(30), Duration.ofMillis(30)).build());
      c.net.faults().heal("rs", "scheduler");
      DefaultStageEngine head = (DefaultStageEngine) c.rs;
      assertThat(
              c.run(
                  () -> {
                    synchronized (head) {
                      return head.upstreamSessions.values().iterator().next().state
                          == UpstreamSession.State.HANDSHAKE2;
                    }
                  }))
          .as("the handshake resent the pod and awaits the confirm")
          .isTrue();

      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      boolean[] heldWhenDone = {true};
      deleted.whenComplete(
          (r, ex) -> heldWhenDone[0] = c.sm.store().size() + c.scheduler.store().size() > 0);
      assertThat(c.run(() -> deleted.isDone() && c.quiet())).isTrue();
      assertThat(deleted).isNotCompletedExceptionally();
      assertThat(heldWhenDone[0]).as("completed only once no stage holds the pod").isFalse();
      c.sched.runFor(Duration.ofSeconds(30));
      assertThat(c.persisted.log).as("never created").doesNotContain("CREATE /v1/Pod|default/fn-0");
    }
  }

  /**
   * Seed 16625 (all classes): the relay passed a delete on and crashed before the tail had it; the
   * restarted relay, which knew nothing of the pod, acknowledged the head's repeated delete at
   * once, while its link to the tail was still down and the tail went on to persist the pod. A
   * stage acknowledges a delete of an object it does not know only once it knows what its
   * downstreams hold (its handshakes withdraw what it does not know).
   */
  @Test
  void
      aRestartedRelayAcknowledgesADeleteOfAnObjectItDoesNotKnowOnlyOnceItKnowsWhatItsDownstreamsHold() {
    try (Chain c = new Chain(72, null)) {
      c.autoStatus = false; // the tail holds the pod in memory
      V1Pod p = Chain.ownedPod("fn-0");
      c.rs.write(POD, WriteOp.CREATE, p);
      assertThat(c.run(() -> c.sm.store().size() == 1)).isTrue();

      io.kubedirect.transport.PeerAddress relayAddress = c.scheduler.localAddress().orElseThrow();
      c.net.faults().partition("scheduler", "sm");
      c.scheduler.close(); // the relay crashes, its link to the tail is down
      CompletableFuture<KubernetesObject> deleted = c.rs.write(POD, WriteOp.DELETE, p);
      StageEngine relay =
          StageEngine.builder()
              .stage(Chain.SCHED)
              .transport(c.net.transport("scheduler"))
              .scheduler(c.sched)
              .persistedApi(c.persisted)
              .persistedFeed(c.persisted)
              .listen(relayAddress)
              .discovery(c.discovery)
              .epochSource(c.clock())
              .limits(c.limits)
              .build();
      try {
        relay.start();
        c.sched.runFor(Duration.ofSeconds(1));
        assertThat(deleted)
            .as("the restarted relay does not know yet what the tail holds")
            .isNotDone();
        c.net.faults().heal("scheduler", "sm");
        assertThat(c.run(() -> deleted.isDone() && c.sm.store().size() == 0)).isTrue();
        assertThat(deleted).isNotCompletedExceptionally();
      } finally {
        relay.close();
      }
    }
  }
}
