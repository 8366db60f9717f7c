package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static io.kubedirect.runtime.internal.engine.TestPods.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubedirect.transport.inmemory.InMemoryTransport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A rolling upgrade: an upstream and a downstream at different protocol minor versions (each
 * announces its own minor through the transport, as a stage of an older release would)
 * interoperate. The link speaks the lower minor, and each end uses only that minor's features:
 * objects flow and are persisted exactly once either way, a restarted head adopts what the
 * downstream holds when the link carries snapshot content (minor 1+) and retracts it at minor 0,
 * and notices (minor 2) are only sent where both ends speak minor 2.
 */
class RollingUpgradeTest {

  static final StageDeclaration HEAD =
      StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build();
  static final StageDeclaration TAIL =
      StageDeclaration.builder("sm").upstream("rs").receives(V1Pod.class).build();
  static final int N = Transport.PROTOCOL_MINOR;

  DeterministicTaskScheduler sched;
  InMemoryNetwork net;
  FakePersistedStore persisted;
  FakeDiscovery discovery;
  EpochSource epochs;
  final List<StageEngine> engines = new ArrayList<>();

  @BeforeEach
  void setUp() {
    sched = new DeterministicTaskScheduler(7);
    net = InMemoryNetwork.builder(sched).seed(7).latency(Duration.ofMillis(1)).build();
    persisted = new FakePersistedStore(sched);
    discovery = new FakeDiscovery();
    epochs = EpochSource.fromMicros(() -> 1_780_000_000_000_000L + sched.nanoTime() / 1000);
  }

  @AfterEach
  void tearDown() {
    engines.forEach(StageEngine::close);
  }

  private StageEngine started(StageEngine e) {
    e.start();
    engines.add(e);
    return e;
  }

  private StageEngine tail(int minor, WriteBackPolicy policy) {
    StageEngine sm =
        started(
            StageEngine.builder()
                .stage(TAIL)
                .transport(InMemoryTransport.builder(net, "sm").protocolMinor(minor).build())
                .scheduler(sched)
                .persistedApi(persisted)
                .persistedFeed(persisted)
                .listen(new PeerAddress("sm", 0))
                .epochSource(epochs)
                .writeBack(POD, policy)
                .build());
    sched.runFor(Duration.ofMillis(10));
    discovery.put("sm", "", sm.localAddress().orElseThrow());
    return sm;
  }

  private StageEngine head(int minor) {
    return started(
        StageEngine.builder()
            .stage(HEAD)
            .transport(InMemoryTransport.builder(net, "rs").protocolMinor(minor).build())
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(epochs)
            .build());
  }

  private boolean run(java.util.function.BooleanSupplier done) {
    return sched.runUntil(done, Duration.ofSeconds(30));
  }

  private List<CompletableFuture<KubernetesObject>> create(StageEngine head, String prefix, int n) {
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(head.write(POD, WriteOp.CREATE, pod(prefix + i, "node-1")));
    }
    return fs;
  }

  @Test
  void aLinkSpeaksTheLowerMinorOfItsEnds() {
    AtomicInteger serverMinor = new AtomicInteger(-1);
    AtomicInteger clientMinor = new AtomicInteger(-1);
    InMemoryTransport upgraded = InMemoryTransport.builder(net, "sm").build();
    InMemoryTransport old = InMemoryTransport.builder(net, "rs").protocolMinor(N - 1).build();
    upgraded.listen(new PeerAddress("sm", 1), handler(serverMinor));
    old.connect(new PeerAddress("sm", 1), "sm", handler(clientMinor));
    assertThat(run(() -> serverMinor.get() >= 0 && clientMinor.get() >= 0)).isTrue();
    assertThat(serverMinor.get()).isEqualTo(N - 1);
    assertThat(clientMinor.get()).isEqualTo(N - 1);
    upgraded.close();
    old.close();
  }

  private static LinkHandler handler(AtomicInteger minor) {
    return new LinkHandler() {
      @Override
      public void onOpen(Link link) {
        minor.set(link.protocolMinor());
      }

      @Override
      public void onMessage(Link link, Envelope message) {}

      @Override
      public void onClosed(Link link, LinkException cause) {}
    };
  }

  @ParameterizedTest(name = "upstream at minor {0}, downstream at minor {1}")
  @CsvSource({"2, 2", "2, 1", "1, 2", "2, 0", "0, 2"})
  void objectsFlowAndArePersistedExactlyOnce(int upstreamMinor, int downstreamMinor) {
    StageEngine sm = tail(downstreamMinor, WriteBackPolicy.EAGER);
    StageEngine rs = head(upstreamMinor);
    List<CompletableFuture<KubernetesObject>> sent = create(rs, "p", 40);
    assertThat(run(() -> StageEngineTest.allDone(sent))).isTrue();
    assertThat(sent).allMatch(f -> !f.isCompletedExceptionally());
    assertThat(sm.store().size()).isEqualTo(40);

    List<CompletableFuture<KubernetesObject>> written = new ArrayList<>();
    for (EphemeralEntry e : sm.store().entries(POD)) {
      written.add(sm.write(POD, WriteOp.UPDATE_STATUS, withPhase((V1Pod) e.object(), "Running")));
    }
    assertThat(
            run(
                () ->
                    StageEngineTest.allDone(written)
                        && sm.store().size() == 0
                        && rs.dirtyCount() == 0))
        .isTrue();
    assertThat(persisted.list(POD))
        .hasSize(40)
        .allSatisfy(
            p -> {
              assertThat(((V1Pod) p).getSpec().getNodeName()).isEqualTo("node-1");
              assertThat(((V1Pod) p).getStatus().getPhase()).isEqualTo("Running");
            });
    assertThat(persisted.calls(FakePersistedStore.Op.CREATE)).isEqualTo(40);
    // deletes of persisted objects and updates keep flowing too
    List<CompletableFuture<KubernetesObject>> deleted = new ArrayList<>();
    for (KubernetesObject p : persisted.list(POD).subList(0, 10)) {
      deleted.add(rs.write(POD, WriteOp.DELETE, p));
    }
    assertThat(run(() -> StageEngineTest.allDone(deleted) && persisted.list(POD).size() == 30))
        .isTrue();
  }

  @ParameterizedTest(name = "downstream at minor {0}: a restarted head {1}")
  @CsvSource({"2, adopts", "1, adopts", "0, retracts"})
  void aRestartedHeadAdoptsWithSnapshotContentOnlyFromMinor1(int downstreamMinor, String expected) {
    StageEngine sm = tail(downstreamMinor, WriteBackPolicy.EAGER);
    InMemoryTransport rsT = InMemoryTransport.builder(net, "rs").build();
    StageEngine rs =
        started(
            StageEngine.builder()
                .stage(HEAD)
                .transport(rsT)
                .scheduler(sched)
                .persistedApi(persisted)
                .persistedFeed(persisted)
                .discovery(discovery)
                .epochSource(epochs)
                .build());
    List<CompletableFuture<KubernetesObject>> fs = create(rs, "p", 5);
    assertThat(run(() -> StageEngineTest.allDone(fs))).isTrue();
    rsT.crash();
    rs.close();

    StageEngine rs2 = head(N);
    assertThat(run(() -> rs2.recovered().isDone())).isTrue();
    if (expected.equals("adopts")) {
      assertThat(run(() -> rs2.dirtyCount() == 5)).isTrue();
      assertThat(rs2.emittedView().size()).as("the head sees what it produced").isEqualTo(5);
      assertThat(sm.store().size()).isEqualTo(5);
    } else {
      // A minor-0 snapshot holds refs only: the head cannot tell what it produced and retracts it;
      // its
      // reconcile creates what it still wants.
      assertThat(run(() -> sm.store().size() == 0)).isTrue();
      assertThat(rs2.emittedView().size()).isZero();
    }
  }

  @ParameterizedTest(name = "upstream at minor {0}, downstream at minor {1}")
  @CsvSource({"2, 2", "2, 1", "1, 2"})
  void rejectionNoticesNeedMinor2OnBothEnds(int upstreamMinor, int downstreamMinor) {
    persisted.rejectCreates(o -> true);
    StageEngine sm = tail(downstreamMinor, WriteBackPolicy.EXPOSE_ON_RECEIPT);
    StageEngine rs = head(upstreamMinor);
    List<CompletableFuture<KubernetesObject>> sent = create(rs, "bad-", 3);
    assertThat(run(() -> StageEngineTest.allDone(sent) && sm.metrics().count("rejections") == 3))
        .isTrue();
    sched.runFor(Duration.ofSeconds(2));
    if (Math.min(upstreamMinor, downstreamMinor) >= 2) {
      // The notices reach the upstream, which drops its dirty entries (no phantom objects).
      assertThat(run(() -> rs.dirtyCount() == 0)).isTrue();
      assertThat(rs.metrics().count("rejections")).isEqualTo(3);
    } else {
      // Minor 1 has no notices: the upstream keeps the minor-1 behaviour (its objects were
      // acknowledged and stay
      // dirty until persisted), and the link stays up.
      assertThat(sent).allMatch(f -> !f.isCompletedExceptionally());
      assertThat(rs.metrics().count("rejections")).isZero();
      assertThat(rs.dirtyCount()).isEqualTo(3);
      assertThat(rs.inFallback(sm.localAddress().orElseThrow())).isFalse();
    }
  }
}
