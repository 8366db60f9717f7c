package io.kubedirect.runtime.internal.writeback;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static io.kubedirect.runtime.internal.engine.TestPods.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.engine.FakePersistedStore;
import io.kubedirect.runtime.internal.engine.FakePersistedStore.Op;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class WriteBackQueueTest {

  final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(7);
  final FakePersistedStore api = new FakePersistedStore(sched);
  final EngineMetrics metrics = new EngineMetrics(null, "test");
  final WriteBackQueue queue =
      new WriteBackQueue(api, sched, metrics, Duration.ofMillis(50), Duration.ofSeconds(1));

  @Test
  void anEphemeralPodIsCreatedOnceWithItsNodeThenItsStatusIsWritten() {
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    V1Pod stored = (V1Pod) api.stored(POD, "default/p").orElseThrow();
    assertThat(stored.getSpec().getNodeName()).isEqualTo("node-1");
    assertThat(stored.getStatus().getPhase()).isEqualTo("Running");
    assertThat(api.log)
        .containsExactly("CREATE /v1/Pod|default/p", "UPDATE_STATUS /v1/Pod|default/p");
    assertThat(queue.pending()).isZero();
  }

  @Test
  void alreadyExistsCountsAsCreatedAndTheStatusGoesOnTheStoredCopy() {
    api.put(POD, pod("p", "node-1"));
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(1);
    assertThat(api.log).containsExactly("UPDATE_STATUS /v1/Pod|default/p");
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Running");
  }

  @Test
  void anExistingCopyBoundToAnotherNodeWinsAndTheWriteFails() {
    api.put(POD, pod("p", "node-0"));
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompletedExceptionally();
    assertThat(api.calls(Op.UPDATE_STATUS)).isZero();
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getSpec().getNodeName())
        .isEqualTo("node-0");
  }

  @Test
  void aPodStoredUnboundIsBoundThroughItsBindingThenItsStatusIsWritten() {
    // A fallback stored the pod unbound (partition replicaset -> scheduler); the tail then writes
    // back the copy
    // the scheduler bound. nodeName of a stored pod can only be set through pods/binding.
    api.put(POD, pod("p", null));
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    V1Pod stored = (V1Pod) api.stored(POD, "default/p").orElseThrow();
    assertThat(stored.getSpec().getNodeName()).isEqualTo("node-1");
    assertThat(stored.getStatus().getPhase()).isEqualTo("Running");
    assertThat(api.log)
        .containsExactly("BIND /v1/Pod|default/p node-1", "UPDATE_STATUS /v1/Pod|default/p");
  }

  @Test
  void anUpdateThatBindsAStoredPodGoesThroughItsBindingWithOrWithoutAKnownBase() {
    for (boolean withFeed : new boolean[] {true, false}) {
      FakePersistedStore store = new FakePersistedStore(sched);
      WriteBackQueue q =
          withFeed
              ? new WriteBackQueue(
                  store,
                  sched,
                  metrics,
                  Duration.ofMillis(50),
                  Duration.ofSeconds(1),
                  store,
                  Duration.ofSeconds(1))
              : new WriteBackQueue(
                  store, sched, metrics, Duration.ofMillis(50), Duration.ofSeconds(1));
      q.track(POD);
      KubernetesObject unbound = store.put(POD, pod("p", null));
      sched.runUntilIdle();
      V1Pod bound = pod("p", "node-1");
      bound.getMetadata().setUid(unbound.getMetadata().getUid());
      CompletableFuture<KubernetesObject> f =
          q.submit(
              POD,
              WriteOp.UPDATE,
              bound,
              unbound.getMetadata().getResourceVersion(),
              WriteBackPolicy.EAGER);
      sched.runUntilIdle();
      assertThat(f).as("feed: %s", withFeed).isCompleted();
      assertThat(((V1Pod) store.stored(POD, "default/p").orElseThrow()).getSpec().getNodeName())
          .isEqualTo("node-1");
      assertThat(store.log).as("feed: %s", withFeed).contains("BIND /v1/Pod|default/p node-1");
    }
  }

  @Test
  void aPodBoundElsewhereMeanwhileFailsTheBindingWrite() {
    KubernetesObject unbound = api.put(POD, pod("p", null));
    V1Pod other = pod("p", "node-0");
    other.getMetadata().setUid(unbound.getMetadata().getUid());
    api.put(POD, other); // another scheduler bound it first
    V1Pod mine = pod("p", "node-1");
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            POD,
            WriteOp.UPDATE,
            mine,
            unbound.getMetadata().getResourceVersion(),
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompletedExceptionally();
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getSpec().getNodeName())
        .isEqualTo("node-0");
  }

  @Test
  void aConflictRereadsTheResourceVersionAndReapplies() {
    KubernetesObject stored = api.put(POD, pod("p", "node-1"));
    String staleRv = stored.getMetadata().getResourceVersion();
    api.put(POD, pod("p", "node-1")); // someone else wrote: staleRv is now stale
    V1Pod desired = withPhase(pod("p", "node-1"), "Succeeded");
    CompletableFuture<KubernetesObject> f =
        queue.submit(POD, WriteOp.UPDATE_STATUS, desired, staleRv, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.UPDATE_STATUS)).isEqualTo(2);
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Succeeded");
    assertThat(metrics.count("writeback.failures")).isEqualTo(1.0);
  }

  @Test
  void retryableFailuresBackOffAndThenSucceed() {
    api.failNext(Op.CREATE, WriteResult.Status.RETRYABLE_FAILURE, 4);
    long start = sched.nanoTime();
    CompletableFuture<KubernetesObject> f =
        queue.submit(POD, WriteOp.CREATE, pod("p", "n"), null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(5);
    // 50 + 100 + 200 + 400 ms of backoff.
    assertThat(Duration.ofNanos(sched.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(750));
  }

  @Test
  void aPermanentFailureFailsTheFuturesWithItsStatus() {
    api.failNext(Op.CREATE, WriteResult.Status.FAILED, 1);
    CompletableFuture<KubernetesObject> f =
        queue.submit(POD, WriteOp.CREATE, pod("p", "n"), null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompletedExceptionally();
    assertFailsWith(f, WriteResult.Status.FAILED);
    assertThat(queue.pending()).isZero();
  }

  @Test
  void lazyWritesAreCoalescedPerObject() {
    KubernetesObject stored = api.put(POD, pod("rs-like", null));
    String rv = stored.getMetadata().getResourceVersion();
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      V1Pod p = pod("rs-like", null);
      p.getMetadata().setLabels(new HashMap<>(p.getMetadata().getLabels()));
      p.getMetadata().getLabels().put("replicas", Integer.toString(i));
      fs.add(
          queue.submit(POD, WriteOp.UPDATE, p, rv, WriteBackPolicy.lazy(Duration.ofMillis(200))));
      sched.runFor(Duration.ofMillis(30));
    }
    assertThat(api.calls(Op.UPDATE)).isZero();
    sched.runUntilIdle();
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(api.calls(Op.UPDATE)).isEqualTo(1);
    assertThat(api.stored(POD, "default/rs-like").orElseThrow().getMetadata().getLabels())
        .containsEntry("replicas", "5");
  }

  @Test
  void deletingAMissingObjectSucceeds() {
    CompletableFuture<KubernetesObject> f =
        queue.submit(POD, WriteOp.DELETE, pod("gone", null), "5", WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
  }

  @Test
  void closeFailsPendingWrites() {
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            POD, WriteOp.CREATE, pod("p", "n"), null, WriteBackPolicy.lazy(Duration.ofSeconds(5)));
    queue.close();
    assertThat(f).isCompletedExceptionally();
    sched.runUntilIdle();
    assertThat(api.calls(Op.CREATE)).isZero();
  }

  @Test
  void aSecondCreateOfACopyThisQueueCreatedIsNotMadeAfterItWasDeleted() {
    // A head's fallback writes its pod, the garbage collector deletes it with its owner, and a
    // second fallback write of the same object comes before any feed shows the delete (fault
    // matrix class C x owner-delete: a name stored twice, a resurrection).
    CompletableFuture<KubernetesObject> first =
        queue.submit(POD, WriteOp.CREATE, pod("p", null), null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(first).isCompleted();
    assertThat(api.delete(POD, "default", "p", null).isSuccess()).isTrue();

    CompletableFuture<KubernetesObject> again =
        queue.submit(POD, WriteOp.CREATE, pod("p", null), null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(api.calls(Op.CREATE)).as("created once").isEqualTo(1);
    assertThat(api.stored(POD, "default/p")).isEmpty();
    assertThat(again).isDone();
  }

  @Test
  void aCopyThatExistedAndWasDeletedBeforeItCouldBeReadIsNotCreatedAgain() {
    // An upstream's fallback stored the pod; this stage's create of its copy answers 409, and the
    // garbage collector deletes the stored copy before the GET that would adopt it.
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    api.put(POD, pod("p", null));
    sched.runUntilIdle();
    api.pauseFeed(true); // the feed lags: it shows the delete only later
    api.deleteAfterNextAlreadyExists();
    CompletableFuture<KubernetesObject> f = submitRunningPod(q);
    sched.runFor(Duration.ofSeconds(1));
    api.pauseFeed(false);
    sched.runUntilIdle();

    assertThat(api.stored(POD, "default/p")).as("not created again: %s", api.log).isEmpty();
    assertFailsWith(f, WriteResult.Status.NOT_FOUND);
  }

  // ---- ambiguous creates (a create that may have committed although it answered
  // RETRYABLE_FAILURE) ----

  /** Submits pod p on node-1, Running (a tail's status write of a pod it holds). */
  private static CompletableFuture<KubernetesObject> submitRunningPod(WriteBackQueue q) {
    return q.submit(
        POD,
        WriteOp.UPDATE_STATUS,
        withPhase(pod("p", "node-1"), "Running"),
        null,
        WriteBackPolicy.EAGER);
  }

  private static void assertFailsWith(
      CompletableFuture<KubernetesObject> f, WriteResult.Status status) {
    assertThat(f)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOf(WriteException.class)
        .matches(e -> ((WriteException) e).status() == status);
  }

  /** A queue that takes the revision barrier through the fake store's feed. */
  WriteBackQueue barrierQueue(Duration barrierTimeout) {
    return new WriteBackQueue(
        api, sched, metrics, Duration.ofMillis(50), Duration.ofSeconds(1), api, barrierTimeout);
  }

  @Test
  void anAmbiguousCreateThatCommittedIsNotRepeatedAfterTheObjectWasDeleted() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    api.commitButFailNextCreates(1);
    CompletableFuture<KubernetesObject> f = submitRunningPod(q);
    sched.runFor(Duration.ofMillis(1));
    assertThat(api.calls(Op.CREATE)).isEqualTo(1);
    assertThat(api.stored(POD, "default/p")).isPresent();
    // The owner deletes the pod (e.g. scaled away) before the retry.
    assertThat(api.delete(POD, "default", "p").isSuccess()).isTrue();
    sched.runUntilIdle();
    assertThat(api.calls(Op.CREATE)).as("never re-created").isEqualTo(1);
    assertThat(api.stored(POD, "default/p")).isEmpty();
    assertFailsWith(f, WriteResult.Status.NOT_FOUND);
    assertThat(q.pending()).isZero();
  }

  @Test
  void anAmbiguousCreateThatCommittedGoesOnWithTheStatusWithoutASecondCreate() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    api.commitButFailNextCreates(1);
    CompletableFuture<KubernetesObject> f =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(1);
    assertThat(api.log)
        .containsExactly("CREATE /v1/Pod|default/p", "UPDATE_STATUS /v1/Pod|default/p");
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Running");
  }

  @Test
  void anAmbiguousCreateThatDidNotCommitIsRetriedOnceTheFeedPassedTheBarrier() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    api.failNext(Op.CREATE, WriteResult.Status.RETRYABLE_FAILURE, 1); // no effect
    long start = sched.nanoTime();
    CompletableFuture<KubernetesObject> f =
        q.submit(POD, WriteOp.CREATE, pod("p", "n"), null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(2);
    assertThat(api.log).containsExactly("CREATE /v1/Pod|default/p");
    // The feed was already at the barrier: retried after one backoff, not after the barrier
    // timeout.
    assertThat(Duration.ofNanos(sched.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
  }

  @Test
  void whileTheFeedLagsTheRetryWaitsThenFallsBackToGetAndCreate() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(2));
    api.failNext(Op.CREATE, WriteResult.Status.RETRYABLE_FAILURE, 1); // no effect
    api.pauseFeed(true);
    api.put(POD, pod("other", "n")); // a change the lagging feed has not delivered
    CompletableFuture<KubernetesObject> f =
        q.submit(POD, WriteOp.CREATE, pod("p", "n"), null, WriteBackPolicy.EAGER);
    sched.runFor(Duration.ofMillis(1500));
    assertThat(api.calls(Op.CREATE)).as("no blind retry before the barrier").isEqualTo(1);
    assertThat(f).isNotDone();
    sched.runFor(Duration.ofSeconds(3));
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(2);
    assertThat(api.stored(POD, "default/p")).isPresent();
    assertThat(metrics.count("writeback.failures")).isGreaterThanOrEqualTo(1.0);
    api.pauseFeed(false);
    sched.runUntilIdle();
  }

  @Test
  void whenTheBarrierTimesOutAndTheObjectExistsItIsNotCreatedAgain() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(2));
    api.pauseFeed(true);
    api.commitButFailNextCreates(1);
    CompletableFuture<KubernetesObject> f =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runFor(Duration.ofSeconds(5));
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(1);
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Running");
    api.pauseFeed(false);
    sched.runUntilIdle();
  }

  // ---- a write without a base resourceVersion for an object the feed shows live ----

  @Test
  void aStatusWriteWithoutBaseForAnObservedObjectUpdatesItWithoutASecondCreate() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    V1Pod ephemeral = pod("p", "node-1");
    CompletableFuture<KubernetesObject> created =
        q.submit(POD, WriteOp.CREATE, ephemeral, null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(created).isCompleted();
    assertThat(q.pending()).isZero();
    String rv = api.stored(POD, "default/p").orElseThrow().getMetadata().getResourceVersion();
    assertThat(q.observedRv(POD + "|default/p")).isEqualTo(rv);

    // The caller still holds the never-persisted copy (no resourceVersion).
    CompletableFuture<KubernetesObject> f =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(ephemeral, "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(1);
    assertThat(api.log)
        .containsExactly("CREATE /v1/Pod|default/p", "UPDATE_STATUS /v1/Pod|default/p");
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Running");
  }

  @Test
  void aStaleObservedResourceVersionConflictsThenRereadsAndReapplies() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    V1Pod ephemeral = pod("p", "node-1");
    q.submit(POD, WriteOp.CREATE, ephemeral, null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    api.pauseFeed(true);
    api.put(
        POD,
        api.stored(POD, "default/p")
            .orElseThrow()); // someone else wrote; the feed has not shown it
    CompletableFuture<KubernetesObject> f =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(ephemeral, "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    api.pauseFeed(false);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    assertThat(api.calls(Op.CREATE)).isEqualTo(1);
    assertThat(api.calls(Op.UPDATE_STATUS)).isEqualTo(2);
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Running");
  }

  @Test
  void anObservedCopyBoundToAnotherNodeIsNotTakenAndTheWriteStillFails() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    q.submit(
        POD,
        WriteOp.CREATE,
        pod("other", "node-0"),
        null,
        WriteBackPolicy.EAGER); // starts watching pods
    api.put(POD, pod("p", "node-0"));
    sched.runUntilIdle();
    assertThat(q.observedRv(POD + "|default/p")).isNotNull();
    CompletableFuture<KubernetesObject> f =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(f).isCompletedExceptionally();
    assertThat(api.calls(Op.UPDATE_STATUS)).isZero();
    assertThat(((V1Pod) api.stored(POD, "default/p").orElseThrow()).getSpec().getNodeName())
        .isEqualTo("node-0");
  }

  @Test
  void anObservedCopyOfAnotherIncarnationThatIsGoneIsCreatedAgain() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    startWatchingPods(q);
    V1Pod old = pod("p", "node-1");
    old.getMetadata().setUid("uid-old-incarnation");
    api.put(POD, old); // written by another client
    sched.runUntilIdle();
    api.pauseFeed(true);
    assertThat(api.delete(POD, "default", "p").isSuccess()).isTrue(); // not observed yet
    V1Pod next = withPhase(pod("p", "node-1"), "Running");
    next.getMetadata().setUid("uid-next-incarnation"); // a producer that reuses names
    CompletableFuture<KubernetesObject> f =
        q.submit(POD, WriteOp.UPDATE_STATUS, next, null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    api.pauseFeed(false);
    sched.runUntilIdle();
    assertThat(f).isCompleted();
    V1Pod stored = (V1Pod) api.stored(POD, "default/p").orElseThrow();
    assertThat(stored.getMetadata().getUid()).isNotEqualTo("uid-old-incarnation");
    assertThat(stored.getStatus().getPhase()).isEqualTo("Running");
  }

  /**
   * Fault matrix class C with an owner delete: the replicaset stage's fallback stored a pod the
   * tail held without a uid, the tail's write became an update of that copy, and the garbage
   * collector deleted the copy with its owner before the update ran. The update's NOT_FOUND stands;
   * the pod is not created again.
   */
  @Test
  void anObservedCopyOfTheSameIncarnationThatIsGoneIsNotCreatedAgain() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    startWatchingPods(q);
    V1Pod stored = pod("p", "node-1");
    stored.getMetadata().setUid("uid-stored-upstream");
    api.put(POD, stored); // the upstream's fallback write
    sched.runUntilIdle();
    api.pauseFeed(true);
    assertThat(api.delete(POD, "default", "p").isSuccess()).isTrue(); // not observed yet
    CompletableFuture<KubernetesObject> f =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(pod("p", "node-1"), "Running"), // the tail's copy: no uid
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    api.pauseFeed(false);
    sched.runUntilIdle();
    assertThat(f)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .matches(e -> ((WriteException) e).status() == WriteResult.Status.NOT_FOUND);
    assertThat(api.stored(POD, "default/p")).isEmpty();
    assertThat(api.calls(Op.CREATE)).isEqualTo(1); // the "other" pod that started the watch
  }

  private void startWatchingPods(WriteBackQueue q) {
    q.submit(POD, WriteOp.CREATE, pod("other", "node-1"), null, WriteBackPolicy.EAGER);
  }

  @Test
  void anObjectThisQueueCreatedAndThatWasDeletedIsNotResurrectedByALateStatusWrite() {
    WriteBackQueue q = barrierQueue(Duration.ofSeconds(30));
    V1Pod ephemeral = pod("p", "node-1");
    q.submit(POD, WriteOp.CREATE, ephemeral, null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    api.pauseFeed(true);
    assertThat(api.delete(POD, "default", "p").isSuccess())
        .isTrue(); // scaled away; not observed yet
    CompletableFuture<KubernetesObject> f =
        q.submit(
            POD,
            WriteOp.UPDATE_STATUS,
            withPhase(ephemeral, "Running"),
            null,
            WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    api.pauseFeed(false);
    sched.runUntilIdle();
    assertThat(f)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOf(WriteException.class)
        .matches(e -> ((WriteException) e).status() == WriteResult.Status.NOT_FOUND);
    assertThat(api.calls(Op.CREATE)).isEqualTo(1);
    assertThat(api.stored(POD, "default/p")).isEmpty();
    assertThat(q.pending()).isZero();
  }

  /**
   * Seed 2867 (every simulation class): a tail got the same delete twice (a duplicated batch) while
   * the delete of its created copy was retrying. The second retraction failed the first one's
   * future, the tail acknowledged the first delete, and the producer's delete completed while the
   * copy was still stored.
   */
  @Test
  void aRepeatedRetractionJoinsTheDeleteUnderWayAndCompletesOnlyWhenTheCopyIsGone() {
    queue.submit(POD, WriteOp.CREATE, pod("p", "node-1"), null, WriteBackPolicy.EAGER);
    sched.runUntilIdle();
    assertThat(api.stored(POD, "default/p")).isPresent();
    api.failNext(Op.DELETE, WriteResult.Status.RETRYABLE_FAILURE, 3);
    CompletableFuture<KubernetesObject> first = queue.retract(POD, pod("p", null));
    sched.runFor(
        Duration.ofMillis(10)); // the first delete attempt failed: retrying after a backoff
    CompletableFuture<KubernetesObject> second = queue.retract(POD, pod("p", null));
    assertThat(first).as("the copy is still stored").isNotDone();
    sched.runUntilIdle();
    assertThat(first).isCompleted();
    assertThat(second).isCompleted();
    assertThat(api.stored(POD, "default/p")).isEmpty();
  }
}
