package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.inmemory.InMemoryTransport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Finding 3 and the epoch items of finding 4: a peer cannot lock the real upstream out with a
 * far-future epoch, a bad handshake costs the real upstream at most one retry, a restarted stage
 * whose clock stepped back still gets its updates applied, and two live instances of one stage
 * never lose objects.
 */
class EpochAbuseTest {

  /**
   * Connects as stage "rs" and sends one HandshakeRequest with {@code epoch}; returns the replies.
   */
  private static List<Envelope> hostileHandshake(Chain c, long epoch) {
    List<Envelope> replies = new ArrayList<>();
    InMemoryTransport t = InMemoryTransport.builder(c.net, "rs").instance("intruder").build();
    ClientLink link =
        t.connect(
            c.scheduler.localAddress().orElseThrow(),
            "scheduler",
            new LinkHandler() {
              @Override
              public void onOpen(Link l) {
                l.send(
                    Envelope.newBuilder()
                        .setSeq(1)
                        .setEpoch(epoch)
                        .setHandshakeRequest(
                            HandshakeRequest.newBuilder()
                                .setSource("rs")
                                .setDestination("scheduler"))
                        .build());
              }

              @Override
              public void onMessage(Link l, Envelope env) {
                replies.add(env);
              }

              @Override
              public void onClosed(Link l, LinkException cause) {}
            });
    c.sched.runFor(Duration.ofMillis(50));
    link.close();
    return replies;
  }

  private static double handshakes(StageEngine e, String round, String outcome) {
    return e
        .metrics()
        .registry()
        .find("kubedirect.handshakes")
        .tag("round", round)
        .tag("outcome", outcome)
        .counters()
        .stream()
        .mapToDouble(io.micrometer.core.instrument.Counter::count)
        .sum();
  }

  private static List<CompletableFuture<KubernetesObject>> create(
      StageEngine head, String prefix, int n) {
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(head.write(POD, WriteOp.CREATE, Chain.ownedPod(prefix + i)));
    }
    return fs;
  }

  @Test
  void aFarFutureEpochIsRefusedAndTheRealUpstreamKeepsWorking() {
    try (Chain c = new Chain(41, null)) {
      List<CompletableFuture<KubernetesObject>> first = create(c.rs, "a-", 5);
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 5)).isTrue();

      List<Envelope> replies = hostileHandshake(c, Long.MAX_VALUE);
      assertThat(replies)
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getError().getCode())
                    .isEqualTo(io.kubedirect.protocol.v1.ErrorCode.EPOCH_MISMATCH);
                assertThat(e.getError().getMessage()).contains("ahead of the receiver's clock");
              });
      assertThat(handshakes(c.scheduler, "round1", "epoch_too_far")).isEqualTo(1);

      c.net.faults().killLinks("rs", "scheduler"); // the real upstream re-handshakes
      List<CompletableFuture<KubernetesObject>> more = create(c.rs, "b-", 5);
      assertThat(c.run(() -> StageEngineTest.allDone(more) && c.quiet() && c.persistedPods() == 10))
          .isTrue();
      assertThat(c.rs.metrics().count("fallback.writes"))
          .as("served over the link, no fallback")
          .isZero();
      assertThat(handshakes(c.scheduler, "round1", "epoch_mismatch")).isZero();
    }
  }

  @Test
  void anEpochWithinTheSkewCostsTheRealUpstreamOneRetry() {
    try (Chain c = new Chain(42, null)) {
      create(c.rs, "a-", 3);
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 3)).isTrue();
      long ahead =
          Chain.WALL_CLOCK_AT_START
              + c.sched.nanoTime() / 1000
              + 30_000_000L; // 30 s ahead: allowed
      List<Envelope> replies = hostileHandshake(c, ahead);
      assertThat(replies)
          .singleElement()
          .satisfies(e -> assertThat(e.hasHandshakeSnapshot()).isTrue());

      c.net.faults().killLinks("rs", "scheduler");
      List<CompletableFuture<KubernetesObject>> more = create(c.rs, "b-", 3);
      assertThat(c.run(() -> StageEngineTest.allDone(more) && c.quiet() && c.persistedPods() == 6))
          .isTrue();
      // The fencing notice carried the intruder's epoch, so the real upstream may not even need its
      // one retry.
      assertThat(handshakes(c.scheduler, "round1", "epoch_mismatch"))
          .as("at most one retry")
          .isLessThanOrEqualTo(1);
      assertThat(c.rs.metrics().count("fallback.writes")).isZero();
    }
  }

  @Test
  void aRestartedHeadWhoseClockSteppedBackStillUpdatesWhatTheDownstreamHolds() {
    try (Chain c = new Chain(43, null)) {
      c.autoStatus = false; // pods stay in memory at the tail
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(() -> c.sm.store().size() == 1)).isTrue();
      c.rs.close();

      // The new incarnation's clock is 45 s behind the old one's (an NTP step), within the 60 s
      // skew bound.
      StageEngine restarted = c.newHead(c.clock(-45_000_000L));
      assertThat(c.run(() -> restarted.emittedView().size() == 1))
          .as("adopted what the relay holds")
          .isTrue();
      V1Pod held = (V1Pod) restarted.emittedView().get(POD, "default/fn-0").orElseThrow().object();
      V1Pod changed = ObjectSupport.deepCopy(held);
      changed.getMetadata().putLabelsItem("generation-of-head", "2");
      CompletableFuture<KubernetesObject> f = restarted.write(POD, WriteOp.UPDATE, changed);
      assertThat(
              c.run(
                  () ->
                      f.isDone()
                          && c.scheduler
                              .store()
                              .get(POD, "default/fn-0")
                              .map(
                                  en ->
                                      "2"
                                          .equals(
                                              en.object()
                                                  .getMetadata()
                                                  .getLabels()
                                                  .get("generation-of-head")))
                              .orElse(false)))
          .as("the newer content was applied downstream, not ignored as older")
          .isTrue();
      assertThat(restarted.metrics().count("fallback.writes")).isZero();
      assertThat(handshakes(c.scheduler, "round1", "epoch_mismatch")).as("one retry").isEqualTo(1);
    }
  }

  @Test
  void aClockStepBeyondTheBoundIsRefusedLikeAHostileValue() {
    try (Chain c = new Chain(45, null)) {
      c.rs.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-0"));
      assertThat(c.run(() -> c.quiet() && c.persistedPods() == 1)).isTrue();
      c.rs.close();
      // Ten minutes behind: the relay's installed epoch is beyond what this head may observe, so it
      // does not
      // jump its clock ten minutes; it keeps being refused and serves through the API Server after
      // the
      // fallback deadline instead of losing anything.
      StageEngine restarted = c.newHead(c.clock(-600_000_000L));
      CompletableFuture<KubernetesObject> f =
          restarted.write(POD, WriteOp.CREATE, Chain.ownedPod("fn-1"));
      assertThat(c.run(() -> f.isDone() && c.persistedPods() == 2)).isTrue();
      assertThat(f).isNotCompletedExceptionally();
      assertThat(restarted.metrics().count("fallback.writes")).isPositive();
    }
  }

  @Test
  void twoLiveInstancesOfAStageFenceEachOtherWithBackoffAndLoseNothing() {
    try (Chain c = new Chain(44, null)) {
      StageEngine second = c.start2();
      List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
      for (int round = 0; round < 10; round++) {
        fs.addAll(create(c.rs, "a" + round + "-", 2));
        fs.addAll(create(second, "b" + round + "-", 2));
        c.sched.runFor(Duration.ofMillis(200));
      }
      assertThat(
              c.run(
                  () ->
                      StageEngineTest.allDone(fs)
                          && c.persistedPods() == 40
                          && c.rs.dirtyCount() == 0
                          && second.dirtyCount() == 0
                          && c.scheduler.dirtyCount() == 0))
          .as("persisted %d", c.persistedPods())
          .isTrue();
      assertThat(fs).allMatch(f -> !f.isCompletedExceptionally());
      double rounds = handshakes(c.scheduler, "round1", "ok");
      c.sched.runFor(Duration.ofSeconds(10));
      assertThat(handshakes(c.scheduler, "round1", "ok") - rounds)
          .as("idle instances do not keep fencing each other")
          .isLessThanOrEqualTo(2);
    }
  }
}
