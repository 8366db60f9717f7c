package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static io.kubedirect.runtime.internal.engine.TestPods.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The tail's opt-in {@link WriteBackPolicy#EXPOSE_ON_RECEIPT}, over the in-memory transport on
 * virtual time.
 */
class ExposeOnReceiptTest {

  static final StageDeclaration HEAD =
      StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build();
  static final StageDeclaration TAIL =
      StageDeclaration.builder("sm").upstream("rs").receives(V1Pod.class).build();

  DeterministicTaskScheduler sched;
  InMemoryNetwork net;
  FakePersistedStore persisted;
  FakeDiscovery discovery;
  EpochSource epochs;
  final List<StageEngine> engines = new ArrayList<>();

  @BeforeEach
  void setUp() {
    sched = new DeterministicTaskScheduler(11);
    net = InMemoryNetwork.builder(sched).seed(11).build();
    persisted = new FakePersistedStore(sched);
    discovery = new FakeDiscovery();
    epochs = EpochSource.fromMicros(() -> sched.nanoTime() / 1000);
  }

  @AfterEach
  void tearDown() {
    engines.forEach(StageEngine::close);
  }

  StageEngine tail(WriteBackPolicy podPolicy) {
    StageEngine.Builder b =
        StageEngine.builder()
            .stage(TAIL)
            .transport(net.transport("sm"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .listen(new PeerAddress("sm-0", 0))
            .epochSource(epochs);
    if (podPolicy != null) {
      b.writeBack(POD, podPolicy);
    }
    StageEngine e = b.build();
    e.start();
    engines.add(e);
    sched.runFor(Duration.ofMillis(10));
    discovery.put("sm", "", e.localAddress().orElseThrow());
    return e;
  }

  StageEngine head() {
    StageEngine e =
        StageEngine.builder()
            .stage(HEAD)
            .transport(net.transport("rs"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(epochs)
            .build();
    e.start();
    engines.add(e);
    return e;
  }

  boolean run(java.util.function.BooleanSupplier done) {
    return sched.runUntil(done, Duration.ofSeconds(30));
  }

  /** Sends {@code n} pods from the head and returns the tail's ephemeral copies as received. */
  List<V1Pod> sendPods(StageEngine rs, StageEngine sm, int n) {
    List<CompletableFuture<KubernetesObject>> sent = new ArrayList<>();
    List<V1Pod> received = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      sent.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, "node-1")));
    }
    // Capture each ephemeral copy before its persisted copy replaces it in the tail's store.
    assertThat(
            run(
                () -> {
                  sm.store()
                      .entries(POD)
                      .forEach(
                          en -> {
                            if (received.stream()
                                .noneMatch(
                                    p ->
                                        p.getMetadata()
                                            .getName()
                                            .equals(en.object().getMetadata().getName()))) {
                              received.add(ObjectSupport.deepCopy((V1Pod) en.object()));
                            }
                          });
                  return sent.stream().allMatch(CompletableFuture::isDone) && received.size() == n;
                }))
        .isTrue();
    return received;
  }

  @Test
  void aReceivedPodIsCreatedWithoutAnyWriterCallThenTheStatusWriteOnlyWritesTheStatus() {
    StageEngine sm = tail(WriteBackPolicy.EXPOSE_ON_RECEIPT);
    StageEngine rs = head();
    List<V1Pod> received = sendPods(rs, sm, 20);

    assertThat(
            run(
                () ->
                    persisted.list(POD).size() == 20
                        && sm.store().size() == 0
                        && rs.dirtyCount() == 0))
        .isTrue();
    assertThat(persisted.list(POD))
        .allSatisfy(
            o -> {
              assertThat(((V1Pod) o).getSpec().getNodeName()).isEqualTo("node-1");
              assertThat(((V1Pod) o).getStatus()).isNull();
            });
    assertThat(received).allSatisfy(p -> assertThat(ObjectSupport.persistedRv(p)).isNull());

    // The sandbox manager reports status with the ephemeral copy it got over the link.
    List<CompletableFuture<KubernetesObject>> written = new ArrayList<>();
    for (V1Pod p : received) {
      written.add(sm.write(POD, WriteOp.UPDATE_STATUS, withPhase(p, "Running")));
    }
    assertThat(run(() -> written.stream().allMatch(CompletableFuture::isDone))).isTrue();
    assertThat(written).allMatch(f -> !f.isCompletedExceptionally());
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(20);
    assertThat(persisted.log.stream().filter(l -> l.startsWith("CREATE ")).count()).isEqualTo(20);
    assertThat(persisted.log.stream().filter(l -> l.startsWith("UPDATE_STATUS ")).count())
        .isEqualTo(20);
    assertThat(persisted.calls(FakePersistedStore.Op.UPDATE)).isZero();
    assertThat(persisted.list(POD))
        .hasSize(20)
        .allSatisfy(o -> assertThat(((V1Pod) o).getStatus().getPhase()).isEqualTo("Running"));
  }

  @Test
  void aStatusWriteBeforeTheCreateIsObservedStillCreatesOnce() {
    StageEngine sm = tail(WriteBackPolicy.EXPOSE_ON_RECEIPT);
    StageEngine rs = head();
    persisted.pauseFeed(true); // the create's result stays unobserved
    CompletableFuture<KubernetesObject> sent = rs.write(POD, WriteOp.CREATE, pod("p", "node-1"));
    assertThat(run(() -> sm.store().get(POD, "default/p").isPresent())).isTrue();
    V1Pod held = (V1Pod) sm.store().get(POD, "default/p").orElseThrow().object();
    CompletableFuture<KubernetesObject> w =
        sm.write(POD, WriteOp.UPDATE_STATUS, withPhase(held, "Running"));
    persisted.pauseFeed(false);
    assertThat(run(() -> w.isDone() && sent.isDone() && rs.dirtyCount() == 0)).isTrue();
    assertThat(w).isCompleted();
    assertThat(persisted.log)
        .containsExactly("CREATE /v1/Pod|default/p", "UPDATE_STATUS /v1/Pod|default/p");
    assertThat(((V1Pod) persisted.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Running");
  }

  @Test
  void withTheDefaultEagerPolicyNothingIsCreatedUntilTheWriterIsCalled() {
    StageEngine sm = tail(null);
    StageEngine rs = head();
    CompletableFuture<KubernetesObject> sent = rs.write(POD, WriteOp.CREATE, pod("p", "node-1"));
    assertThat(run(sent::isDone)).isTrue();
    sched.runFor(Duration.ofSeconds(5));
    assertThat(sm.store().get(POD, "default/p")).isPresent();
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isZero();
    assertThat(persisted.list(POD)).isEmpty();
  }

  @Test
  void aRetryableCreateFailureOnReceiptIsRetried() {
    StageEngine sm = tail(WriteBackPolicy.EXPOSE_ON_RECEIPT);
    StageEngine rs = head();
    persisted.failNext(FakePersistedStore.Op.CREATE, WriteResult.Status.RETRYABLE_FAILURE, 3);
    rs.write(POD, WriteOp.CREATE, pod("p", "node-1"));
    assertThat(run(() -> persisted.stored(POD, "default/p").isPresent() && sm.store().size() == 0))
        .isTrue();
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(4);
    assertThat(persisted.log).containsExactly("CREATE /v1/Pod|default/p");
  }

  @Test
  void anAmbiguousCreateOnReceiptIsResolvedByTheBarrierAndNeverRepeated() {
    StageEngine sm = tail(WriteBackPolicy.EXPOSE_ON_RECEIPT);
    StageEngine rs = head();
    persisted.commitButFailNextCreates(1);
    List<V1Pod> received = sendPods(rs, sm, 1);
    assertThat(run(() -> sm.store().size() == 0 && rs.dirtyCount() == 0)).isTrue();
    CompletableFuture<KubernetesObject> w =
        sm.write(POD, WriteOp.UPDATE_STATUS, withPhase(received.get(0), "Running"));
    assertThat(run(w::isDone)).isTrue();
    assertThat(w).isCompleted();
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(1);
    assertThat(persisted.log)
        .containsExactly("CREATE /v1/Pod|default/p0", "UPDATE_STATUS /v1/Pod|default/p0");
  }

  @Test
  void anAmbiguousCreateOnReceiptThatCommittedIsNotRepeatedAfterADelete() {
    StageEngine sm = tail(WriteBackPolicy.EXPOSE_ON_RECEIPT);
    StageEngine rs = head();
    persisted.commitButFailNextCreates(1);
    persisted.pauseFeed(true); // the barrier cannot be passed yet
    rs.write(POD, WriteOp.CREATE, pod("p", "node-1"));
    assertThat(run(() -> persisted.calls(FakePersistedStore.Op.CREATE) == 1)).isTrue();
    assertThat(persisted.delete(POD, "default", "p").isSuccess()).isTrue(); // scaled away meanwhile
    persisted.pauseFeed(false);
    sched.runFor(Duration.ofSeconds(20));
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).as("never re-created").isEqualTo(1);
    assertThat(persisted.stored(POD, "default/p")).isEmpty();
    assertThat(sm.store().size()).isZero();
  }
}
