package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static io.kubedirect.runtime.internal.engine.TestPods.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.KubeDirectLabels;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.FaultSpec;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubedirect.transport.inmemory.InMemoryTransport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Two and three stage pipelines over the in-memory transport on virtual time. */
class StageEngineTest {

  static final StageDeclaration HEAD =
      StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build();
  static final StageDeclaration TAIL =
      StageDeclaration.builder("sm").upstream("rs").receives(V1Pod.class).build();

  DeterministicTaskScheduler sched;
  InMemoryNetwork net;
  FakePersistedStore persisted;
  FakeDiscovery discovery;
  List<StageEngine> engines = new ArrayList<>();
  EpochSource epochs;

  @BeforeEach
  void setUp() {
    sched = new DeterministicTaskScheduler(42);
    net = InMemoryNetwork.builder(sched).seed(42).build();
    persisted = new FakePersistedStore(sched);
    discovery = new FakeDiscovery();
    epochs = EpochSource.fromMicros(() -> sched.nanoTime() / 1000);
  }

  @AfterEach
  void tearDown() {
    engines.forEach(StageEngine::close);
  }

  StageEngine tail(InMemoryTransport t, PeerAddress listen, EngineLimits limits) {
    StageEngine e =
        StageEngine.builder()
            .stage(TAIL)
            .transport(t)
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .listen(listen)
            .epochSource(epochs)
            .limits(limits)
            .build();
    e.start();
    engines.add(e);
    return e;
  }

  StageEngine tail(String routingKey) {
    StageEngine e =
        tail(
            net.transport("sm"),
            new PeerAddress("sm-" + (routingKey.isEmpty() ? "0" : routingKey), 0),
            EngineLimits.defaults());
    sched.runFor(Duration.ofMillis(10));
    discovery.put("sm", routingKey, e.localAddress().orElseThrow());
    return e;
  }

  StageEngine head(AdoptionPolicy adoption, EngineLimits limits) {
    StageEngine e =
        StageEngine.builder()
            .stage(HEAD)
            .transport(net.transport("rs"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(epochs)
            .adoption(adoption)
            .limits(limits)
            .build();
    e.start();
    engines.add(e);
    return e;
  }

  StageEngine head() {
    return head(AdoptionPolicy.locallyKnown(), EngineLimits.defaults());
  }

  boolean run(java.util.function.BooleanSupplier done) {
    return sched.runUntil(done, Duration.ofSeconds(30));
  }

  static boolean allDone(List<? extends CompletableFuture<?>> fs) {
    return fs.stream().allMatch(CompletableFuture::isDone);
  }

  @Test
  void podsFlowToTheTailWhichPersistsEachOnceWithNodeAndStatus() {
    StageEngine sm = tail("");
    StageEngine rs = head();
    List<CompletableFuture<KubernetesObject>> sent = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sent.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, "node-1")));
    }
    assertThat(run(() -> allDone(sent))).isTrue();
    assertThat(sent).allMatch(f -> !f.isCompletedExceptionally());
    assertThat(sm.store().size()).isEqualTo(50);
    assertThat(rs.dirtyCount()).isEqualTo(50);
    assertThat(persisted.list(POD)).isEmpty();

    List<CompletableFuture<KubernetesObject>> written = new ArrayList<>();
    for (EphemeralEntry e : sm.store().entries(POD)) {
      written.add(sm.write(POD, WriteOp.UPDATE_STATUS, withPhase((V1Pod) e.object(), "Running")));
    }
    assertThat(run(() -> allDone(written) && sm.store().size() == 0 && rs.dirtyCount() == 0))
        .isTrue();
    assertThat(written).allMatch(f -> !f.isCompletedExceptionally());
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(50);
    assertThat(persisted.list(POD))
        .hasSize(50)
        .allSatisfy(
            o -> {
              V1Pod p = (V1Pod) o;
              assertThat(p.getSpec().getNodeName()).isEqualTo("node-1");
              assertThat(p.getStatus().getPhase()).isEqualTo("Running");
            });
  }

  @Test
  void updatesBeforeTheLinkIsUpAreCoalescedToTheLatestVersion() {
    StageEngine sm = tail("");
    StageEngine rs = head();
    V1Pod p = pod("p", null);
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int v = 0; v < 5; v++) {
      V1Pod c = ObjectSupport.deepCopy(p);
      c.getMetadata().setLabels(new HashMap<>(c.getMetadata().getLabels()));
      c.getMetadata().getLabels().put("rev", Integer.toString(v));
      fs.add(rs.write(POD, WriteOp.UPDATE, c));
    }
    assertThat(run(() -> allDone(fs))).isTrue();
    V1Pod held = (V1Pod) sm.store().get(POD, "default/p").orElseThrow().object();
    assertThat(held.getMetadata().getLabels()).containsEntry("rev", "4");
    assertThat(sm.metrics().count("link.objects")).isEqualTo(1.0);
  }

  @Test
  void objectsSentWhileTheLinkIsDownArriveAfterReconnect() {
    StageEngine sm = tail("");
    StageEngine rs = head();
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("a" + i, null)));
    }
    assertThat(run(() -> allDone(fs))).isTrue();
    assertThat(net.faults().killLinks("rs", "sm")).isPositive();
    for (int i = 0; i < 10; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("b" + i, null)));
    }
    assertThat(run(() -> allDone(fs) && sm.store().size() == 20)).isTrue();
    assertThat(sm.metrics().count("handshakes")).isGreaterThanOrEqualTo(4.0);
  }

  @Test
  void aRestartedDownstreamGetsEveryUnpersistedObjectBack() {
    InMemoryTransport t = net.transport("sm");
    StageEngine sm = tail(t, new PeerAddress("sm-0", 0), EngineLimits.defaults());
    sched.runFor(Duration.ofMillis(10));
    PeerAddress addr = sm.localAddress().orElseThrow();
    discovery.put("sm", "", addr);
    StageEngine rs = head();
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, null)));
    }
    assertThat(run(() -> allDone(fs))).isTrue();
    t.crash();
    sm.close();
    StageEngine sm2 = tail(net.transport("sm"), addr, EngineLimits.defaults());
    assertThat(run(() -> sm2.store().size() == 20)).isTrue();
    assertThat(rs.dirtyCount()).isEqualTo(20);
  }

  @Test
  void aRestartedUpstreamRetractsWhatItNoLongerWants() {
    StageEngine sm = tail("");
    InMemoryTransport rsT = net.transport("rs");
    StageEngine rs =
        StageEngine.builder()
            .stage(HEAD)
            .transport(rsT)
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(epochs)
            .build();
    rs.start();
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, null)));
    }
    assertThat(run(() -> allDone(fs))).isTrue();
    assertThat(sm.store().size()).isEqualTo(5);
    rsT.crash();
    rs.close();
    StageEngine rs2 = head(AdoptionPolicy.never(), EngineLimits.defaults());
    CompletableFuture<KubernetesObject> again = rs2.write(POD, WriteOp.CREATE, pod("p0", null));
    assertThat(run(() -> again.isDone() && sm.store().size() == 1)).isTrue();
    assertThat(sm.store().get(POD, "default/p0")).isPresent();
  }

  @Test
  void aRestartedHeadAdoptsWhatTheDownstreamHoldsWithContentAndDeletesWhatItNoLongerWants() {
    StageEngine sm = tail("");
    InMemoryTransport rsT = net.transport("rs");
    StageEngine rs =
        StageEngine.builder()
            .stage(HEAD)
            .transport(rsT)
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(epochs)
            .build();
    rs.start();
    assertThat(run(() -> rs.recovered().isDone())).isTrue();
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, null)));
    }
    // read-your-own-writes: the head's view shows what it emitted at once
    assertThat(rs.emittedView().size()).isEqualTo(5);
    assertThat(run(() -> allDone(fs))).isTrue();
    rsT.crash();
    rs.close();

    StageEngine rs2 = head(); // default policy
    assertThat(rs2.recovered()).isNotDone();
    assertThat(run(() -> rs2.recovered().isDone())).isTrue();
    // it knows the five pods, with content, before its reconcile runs, and the downstream keeps
    // them
    assertThat(rs2.dirtyCount()).isEqualTo(5);
    assertThat(rs2.emittedView().entries(POD))
        .hasSize(5)
        .allSatisfy(
            e -> {
              assertThat(e.object()).isInstanceOf(V1Pod.class);
              assertThat(((V1Pod) e.object()).getMetadata().getLabels())
                  .isEqualTo(
                      pod(e.object().getMetadata().getName(), null).getMetadata().getLabels());
            });
    assertThat(sm.store().size()).isEqualTo(5);

    // what its reconcile no longer wants goes through the normal path: a delete retracts it
    // downstream
    List<CompletableFuture<KubernetesObject>> deletes = new ArrayList<>();
    for (int i = 1; i < 5; i++) {
      KubernetesObject seen = rs2.emittedView().get(POD, "default/p" + i).orElseThrow().object();
      deletes.add(rs2.write(POD, WriteOp.DELETE, seen));
    }
    assertThat(rs2.emittedView().size()).isEqualTo(1);
    assertThat(run(() -> allDone(deletes) && sm.store().size() == 1)).isTrue();
    assertThat(deletes).allMatch(f -> !f.isCompletedExceptionally());
    assertThat(sm.store().get(POD, "default/p0")).isPresent();
    assertThat(persisted.list(POD)).isEmpty();

    // once the tail persists the adopted pod, the head's view drops it (the API copy wins)
    V1Pod held = (V1Pod) sm.store().get(POD, "default/p0").orElseThrow().object();
    CompletableFuture<KubernetesObject> w =
        sm.write(POD, WriteOp.UPDATE_STATUS, withPhase(held, "Running"));
    assertThat(run(() -> w.isDone() && rs2.dirtyCount() == 0)).isTrue();
    assertThat(rs2.emittedView().size()).isZero();
    assertThat(persisted.list(POD)).hasSize(1);
  }

  @Test
  void aHeadDeletingAPodItSawUnpersistedDeletesTheApiCopyThatAppearedMeanwhile() {
    StageEngine sm = tail("");
    StageEngine rs = head();
    CompletableFuture<KubernetesObject> sent = rs.write(POD, WriteOp.CREATE, pod("p0", null));
    KubernetesObject seen = rs.emittedView().get(POD, "default/p0").orElseThrow().object();
    assertThat(run(() -> sent.isDone() && sm.store().size() == 1)).isTrue();
    V1Pod held = (V1Pod) sm.store().get(POD, "default/p0").orElseThrow().object();
    CompletableFuture<KubernetesObject> w =
        sm.write(POD, WriteOp.UPDATE_STATUS, withPhase(held, "Running"));
    assertThat(run(() -> w.isDone() && rs.dirtyCount() == 0)).isTrue();
    assertThat(rs.emittedView().size()).isZero();
    assertThat(persisted.list(POD)).hasSize(1);

    CompletableFuture<KubernetesObject> del =
        rs.write(POD, WriteOp.DELETE, seen); // a stale read: no rv
    assertThat(run(() -> del.isDone() && persisted.list(POD).isEmpty())).isTrue();
    assertThat(del).isCompleted().isNotCompletedExceptionally();
  }

  @Test
  void aHeadWithoutAReachableDownstreamRecoversAfterTheAckTimeout() {
    discovery.put("sm", "", new PeerAddress("nowhere", 1));
    long t0 = sched.nanoTime();
    StageEngine rs = head();
    assertThat(run(() -> rs.recovered().isDone())).isTrue();
    assertThat(sched.nanoTime() - t0)
        .isGreaterThanOrEqualTo(EngineLimits.defaults().ackTimeout().toNanos());
  }

  @Test
  void aRestartedUpstreamCanAdoptWhatTheDownstreamHolds() {
    StageEngine sm = tail("");
    InMemoryTransport rsT = net.transport("rs");
    StageEngine rs =
        StageEngine.builder()
            .stage(HEAD)
            .transport(rsT)
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(epochs)
            .build();
    rs.start();
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, null)));
    }
    assertThat(run(() -> allDone(fs))).isTrue();
    rsT.crash();
    rs.close();
    StageEngine rs2 = head(AdoptionPolicy.always(), EngineLimits.defaults());
    assertThat(run(() -> rs2.dirtyCount() == 5)).isTrue();
    sched.runFor(Duration.ofSeconds(1));
    assertThat(sm.store().size()).isEqualTo(5);
  }

  @Test
  void aLinkDownPastTheDeadlineFallsBackToTheApiServerAndComesBack() {
    PeerAddress addr = new PeerAddress("sm-late", 7000);
    discovery.put("sm", "", addr);
    StageEngine rs =
        head(
            AdoptionPolicy.locallyKnown(),
            EngineLimits.defaults().withFallbackAfter(Duration.ofSeconds(2)));
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, "node-1")));
    }
    sched.runFor(Duration.ofMillis(1500));
    assertThat(fs).noneMatch(CompletableFuture::isDone);
    assertThat(persisted.list(POD)).isEmpty();
    sched.runFor(Duration.ofSeconds(1));
    assertThat(rs.inFallback(addr)).isTrue();
    assertThat(run(() -> allDone(fs))).isTrue();
    assertThat(persisted.list(POD)).hasSize(3);
    assertThat(rs.metrics().count("fallback.writes")).isGreaterThanOrEqualTo(3.0);

    // While in fallback, new objects go through the API Server too.
    CompletableFuture<KubernetesObject> during = rs.write(POD, WriteOp.CREATE, pod("q", "node-1"));
    assertThat(run(during::isDone)).isTrue();
    assertThat(persisted.list(POD)).hasSize(4);

    // The downstream appears: the link comes back, nothing already persisted is sent as ephemeral.
    StageEngine sm = tail(net.transport("sm"), addr, EngineLimits.defaults());
    assertThat(run(() -> !rs.inFallback(addr))).isTrue();
    CompletableFuture<KubernetesObject> after = rs.write(POD, WriteOp.CREATE, pod("r", "node-1"));
    assertThat(run(after::isDone)).isTrue();
    assertThat(sm.store().entries(POD))
        .extracting(EphemeralEntry::key)
        .containsExactly("default/r");
    assertThat(persisted.list(POD)).hasSize(4);
  }

  @Test
  void theFallbackLabelSendsAnObjectThroughTheApiServer() {
    StageEngine sm = tail("");
    StageEngine rs = head();
    V1Pod p = pod("labelled", null);
    p.getMetadata().setLabels(new HashMap<>(p.getMetadata().getLabels()));
    p.getMetadata().getLabels().put(KubeDirectLabels.FALLBACK, "true");
    CompletableFuture<KubernetesObject> f = rs.write(POD, WriteOp.CREATE, p);
    assertThat(run(f::isDone)).isTrue();
    assertThat(f).isCompleted();
    assertThat(persisted.stored(POD, "default/labelled")).isPresent();
    sched.runFor(Duration.ofMillis(100));
    assertThat(sm.store().size()).isZero();
    assertThat(rs.dirtyCount()).isZero();
  }

  @Test
  void aLabelledUpdateThatSetsANodeBindsThroughTheBindingSubresource() {
    StageEngine rs = head();
    V1Pod stored = pod("labelled", null);
    stored.getMetadata().setLabels(new HashMap<>(stored.getMetadata().getLabels()));
    stored.getMetadata().getLabels().put(KubeDirectLabels.FALLBACK, "true");
    persisted.put(POD, stored);
    V1Pod bound =
        ObjectSupport.deepCopy((V1Pod) persisted.stored(POD, "default/labelled").orElseThrow());
    bound.getSpec().setNodeName("node-a");
    // The API Server refuses a pod update that sets spec.nodeName: the fallback binds instead.
    CompletableFuture<KubernetesObject> f = rs.write(POD, WriteOp.UPDATE, bound);
    assertThat(run(f::isDone)).isTrue();
    assertThat(f).isCompleted();
    assertThat(
            ((V1Pod) persisted.stored(POD, "default/labelled").orElseThrow())
                .getSpec()
                .getNodeName())
        .isEqualTo("node-a");
    assertThat(persisted.log).anyMatch(l -> l.startsWith("BIND "));
  }

  @Test
  void aPlainCreateWithAnUnknownOutcomeIsReportedNotRetried() {
    StageEngine rs = head();
    V1Pod p = pod("labelled", null);
    p.getMetadata().setLabels(new HashMap<>(p.getMetadata().getLabels()));
    p.getMetadata().getLabels().put(KubeDirectLabels.FALLBACK, "true");
    persisted.commitButFailNextCreates(1);
    CompletableFuture<KubernetesObject> f = rs.write(POD, WriteOp.CREATE, p);
    assertThat(run(f::isDone)).isTrue();
    assertThat(f)
        .failsWithin(Duration.ZERO)
        .withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .havingCause()
        .isInstanceOf(io.kubedirect.api.WriteException.class)
        .matches(
            e ->
                ((io.kubedirect.api.WriteException) e).status()
                    == WriteResult.Status.RETRYABLE_FAILURE);
    // Deleted meanwhile (by its owner): nothing brings it back.
    assertThat(persisted.delete(POD, "default", "labelled").isSuccess()).isTrue();
    sched.runFor(Duration.ofSeconds(5));
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(1);
    assertThat(persisted.stored(POD, "default/labelled")).isEmpty();
  }

  @Test
  void movingAnObjectToAnotherConsumerRetractsItFromTheFirst() {
    StageEngine a = tail("node-a");
    StageEngine b = tail("node-b");
    StageEngine rs = head();
    CompletableFuture<KubernetesObject> f1 = rs.write(POD, WriteOp.CREATE, pod("p", "node-a"));
    assertThat(run(() -> f1.isDone() && a.store().size() == 1)).isTrue();
    CompletableFuture<KubernetesObject> f2 = rs.write(POD, WriteOp.UPDATE, pod("p", "node-b"));
    assertThat(run(() -> f2.isDone() && b.store().size() == 1 && a.store().size() == 0)).isTrue();
    assertThat(
            ((V1Pod) b.store().get(POD, "default/p").orElseThrow().object())
                .getSpec()
                .getNodeName())
        .isEqualTo("node-b");
  }

  @Test
  void deletingAnUnpersistedObjectRemovesItDownstream() {
    StageEngine sm = tail("");
    StageEngine rs = head();
    CompletableFuture<KubernetesObject> f1 = rs.write(POD, WriteOp.CREATE, pod("p", null));
    assertThat(run(() -> f1.isDone() && sm.store().size() == 1)).isTrue();
    CompletableFuture<KubernetesObject> f2 = rs.write(POD, WriteOp.DELETE, pod("p", null));
    assertThat(run(() -> f2.isDone() && sm.store().size() == 0 && rs.dirtyCount() == 0)).isTrue();
    assertThat(persisted.calls(FakePersistedStore.Op.DELETE)).isZero();
  }

  @Test
  void tooManyUnpersistedObjectsFailFastWithOverloaded() {
    tail("");
    StageEngine rs =
        head(AdoptionPolicy.locallyKnown(), EngineLimits.defaults().withMaxDirtyObjects(3));
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, null)));
    }
    assertThat(fs.get(3)).isCompletedExceptionally();
    assertThat(run(() -> allDone(fs.subList(0, 3)))).isTrue();
    assertThat(fs.subList(0, 3)).noneMatch(CompletableFuture::isCompletedExceptionally);
  }

  @Test
  void tailWriteBackRetriesTransientFailuresWithoutBlockingTheLink() {
    StageEngine sm = tail("");
    StageEngine rs = head();
    persisted.failNext(FakePersistedStore.Op.CREATE, WriteResult.Status.RETRYABLE_FAILURE, 3);
    CompletableFuture<KubernetesObject> f = rs.write(POD, WriteOp.CREATE, pod("p", "n"));
    assertThat(run(f::isDone)).isTrue();
    V1Pod held = (V1Pod) sm.store().get(POD, "default/p").orElseThrow().object();
    CompletableFuture<KubernetesObject> w =
        sm.write(POD, WriteOp.UPDATE_STATUS, withPhase(held, "Running"));
    // The direct path keeps flowing while the write-back retries.
    CompletableFuture<KubernetesObject> g = rs.write(POD, WriteOp.CREATE, pod("q", "n"));
    assertThat(run(g::isDone)).isTrue();
    assertThat(run(w::isDone)).isTrue();
    assertThat(w).isCompleted();
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(4);
    assertThat(((V1Pod) persisted.stored(POD, "default/p").orElseThrow()).getStatus().getPhase())
        .isEqualTo("Running");
  }

  // ---- ack timeout: a message lost while its connection stays up ----

  static final FaultSpec SILENT_LOSS = FaultSpec.builder().drop(1.0, false).build();

  @Test
  void aBatchLostWithoutTheConnectionClosingIsResentAfterTheAckTimeout() {
    StageEngine sm = tail("");
    StageEngine rs =
        head(
            AdoptionPolicy.locallyKnown(),
            EngineLimits.defaults().withAckTimeout(Duration.ofSeconds(1)));
    CompletableFuture<KubernetesObject> first = rs.write(POD, WriteOp.CREATE, pod("a", null));
    assertThat(run(first::isDone)).isTrue();
    double handshakes = rs.metrics().count("handshakes");

    net.faults().setLink("rs", "sm", SILENT_LOSS);
    long lostAt = sched.nanoTime();
    CompletableFuture<KubernetesObject> lost = rs.write(POD, WriteOp.CREATE, pod("b", null));
    sched.runFor(Duration.ofMillis(500));
    net.faults().clearLink("rs", "sm"); // the connection never closed: only the batch is gone
    sched.runFor(Duration.ofMillis(300));
    assertThat(lost).isNotDone();
    assertThat(sm.store().get(POD, "default/b")).isEmpty();

    assertThat(run(() -> lost.isDone() && sm.store().get(POD, "default/b").isPresent())).isTrue();
    assertThat(lost).isCompleted();
    assertThat(Duration.ofNanos(sched.nanoTime() - lostAt))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    // Repaired by closing the connection: a new one with a full handshake (ack timeout + 2 rounds).
    assertThat(rs.metrics().count("handshakes")).isGreaterThanOrEqualTo(handshakes + 3);
    assertThat(sm.store().get(POD, "default/a")).isPresent();
    assertThat(rs.dirtyCount()).isEqualTo(2);
  }

  @Test
  void aLostHandshakeAnswerIsRepairedByANewConnection() {
    net.faults().setLink("rs", "sm", SILENT_LOSS);
    StageEngine sm = tail("");
    StageEngine rs =
        head(
            AdoptionPolicy.locallyKnown(),
            EngineLimits.defaults().withAckTimeout(Duration.ofSeconds(1)));
    CompletableFuture<KubernetesObject> f = rs.write(POD, WriteOp.CREATE, pod("p", null));
    sched.runFor(Duration.ofMillis(300));
    net.faults().clearLink("rs", "sm");
    sched.runFor(Duration.ofMillis(300));
    assertThat(f).isNotDone();
    assertThat(run(f::isDone)).isTrue();
    assertThat(f).isCompleted();
    assertThat(sm.store().get(POD, "default/p")).isPresent();
  }

  @Test
  void anAnsweredLinkNeverTimesOut() {
    StageEngine sm = tail("");
    StageEngine rs =
        head(
            AdoptionPolicy.locallyKnown(),
            EngineLimits.defaults().withAckTimeout(Duration.ofMillis(200)));
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, pod("p" + i, null)));
      sched.runFor(Duration.ofMillis(100));
    }
    assertThat(run(() -> allDone(fs))).isTrue();
    sched.runFor(Duration.ofSeconds(2));
    assertThat(sm.store().size()).isEqualTo(20);
    assertThat(rs.metrics().count("handshakes"))
        .as("round 1 and 2 once, no timeout")
        .isEqualTo(2.0);
  }
}
