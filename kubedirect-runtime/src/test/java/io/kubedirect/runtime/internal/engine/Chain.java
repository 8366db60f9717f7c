package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;

/**
 * A three-stage chain on virtual time for the write-back tests: a ReplicaSet-like head ({@code rs})
 * emits pods, a relay ({@code scheduler}) binds each to {@code node-0}, and one tail ({@code sm})
 * on that node runs them (reports Running when {@link #autoStatus}) and writes them back. The head
 * is driven by the test.
 */
final class Chain implements AutoCloseable {

  static final StageDeclaration RS =
      StageDeclaration.builder("rs").downstream("scheduler").emits(V1Pod.class).build();
  static final StageDeclaration SCHED =
      StageDeclaration.builder("scheduler")
          .upstream("rs")
          .downstream("sm")
          .receives(V1Pod.class)
          .emits(V1Pod.class)
          .build();
  static final StageDeclaration SM =
      StageDeclaration.builder("sm").upstream("scheduler").receives(V1Pod.class).build();
  static final String OWNER_UID = "rs-uid-1";

  final DeterministicTaskScheduler sched;
  final InMemoryNetwork net;
  final FakePersistedStore persisted;
  final FakeDiscovery discovery = new FakeDiscovery();
  final EpochSource epochs;
  final List<StageEngine> engines = new ArrayList<>();
  final EngineLimits limits;

  /** The tail's feed: {@link LossyFeed#lose} makes it miss events, as across a watch gap. */
  final LossyFeed smFeed;

  /** The feed of the replicaset stage and the scheduler (the stages upstream of the tail). */
  final LossyFeed upstreamFeed;

  StageEngine rs;
  StageEngine scheduler;
  StageEngine sm;

  /** Whether the tail reports every received pod Running (its controller's status write). */
  boolean autoStatus = true;

  Chain(long seed, WriteBackPolicy tailPolicy, EngineLimits limits) {
    this.sched = new DeterministicTaskScheduler(seed);
    this.net = InMemoryNetwork.builder(sched).seed(seed).latency(Duration.ofMillis(1)).build();
    this.persisted = new FakePersistedStore(sched);
    this.smFeed = new LossyFeed(persisted);
    this.upstreamFeed = new LossyFeed(persisted);
    this.epochs = EpochSource.fromMicros(() -> sched.nanoTime() / 1000);
    this.limits = limits;
    StageEngine.Builder tb =
        StageEngine.builder()
            .stage(SM)
            .transport(net.transport("sm"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(smFeed)
            .listen(new PeerAddress("node-0", 0))
            .epochSource(clock())
            .limits(limits);
    if (tailPolicy != null) {
      tb.writeBack(POD, tailPolicy);
    }
    sm = start(tb.build());
    scheduler =
        start(
            StageEngine.builder()
                .stage(SCHED)
                .transport(net.transport("scheduler"))
                .scheduler(sched)
                .persistedApi(persisted)
                .persistedFeed(upstreamFeed)
                .listen(new PeerAddress("scheduler", 0))
                .discovery(discovery)
                .epochSource(clock())
                .limits(limits)
                .build());
    sched.runFor(Duration.ofMillis(10));
    discovery.put("scheduler", "", scheduler.localAddress().orElseThrow());
    discovery.put("sm", "node-0", sm.localAddress().orElseThrow());
    rs = newHead(clock());
    bindEverything(scheduler);
    runEverything(sm);
  }

  Chain(long seed, WriteBackPolicy tailPolicy) {
    this(seed, tailPolicy, EngineLimits.defaults());
  }

  /** A realistic wall-clock reading (µs since the Unix epoch) at virtual time 0. */
  static final long WALL_CLOCK_AT_START = 1_780_000_000_000_000L;

  /** Each stage's own hybrid logical clock on virtual time, reading like a wall clock. */
  EpochSource clock() {
    return clock(0);
  }

  /** A clock {@code offsetMicros} off the others' (negative: behind). */
  EpochSource clock(long offsetMicros) {
    return EpochSource.fromMicros(
        () -> WALL_CLOCK_AT_START + offsetMicros + sched.nanoTime() / 1000);
  }

  /** A (further) head stage named {@code rs}, with its own epoch source. */
  StageEngine newHead(EpochSource headEpochs) {
    return start(
        StageEngine.builder()
            .stage(RS)
            .transport(net.transport("rs"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(upstreamFeed)
            .discovery(discovery)
            .epochSource(headEpochs)
            .limits(limits)
            .build());
  }

  /**
   * A second live instance of the head stage {@code rs} (its own transport instance, same stage
   * name).
   */
  StageEngine start2() {
    return start(
        StageEngine.builder()
            .stage(RS)
            .transport(
                io.kubedirect.transport.inmemory.InMemoryTransport.builder(net, "rs")
                    .instance("rs-2")
                    .build())
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(clock())
            .limits(limits)
            .build());
  }

  /**
   * Another instance of the scheduler stage listening on {@code host} (e.g. a standby that took
   * over).
   */
  StageEngine newScheduler(String host) {
    StageEngine s =
        start(
            StageEngine.builder()
                .stage(SCHED)
                .transport(
                    io.kubedirect.transport.inmemory.InMemoryTransport.builder(net, "scheduler")
                        .instance(host)
                        .build())
                .scheduler(sched)
                .persistedApi(persisted)
                .persistedFeed(persisted)
                .listen(new PeerAddress(host, 0))
                .discovery(discovery)
                .epochSource(clock())
                .limits(limits)
                .build());
    bindEverything(s);
    return s;
  }

  private StageEngine start(StageEngine e) {
    e.start();
    engines.add(e);
    return e;
  }

  /** The scheduler's "controller": binds every unbound pod it holds to node-0. */
  private void bindEverything(StageEngine s) {
    s.store()
        .addListener(
            new EphemeralStore.Listener() {
              @Override
              public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                V1Pod p = (V1Pod) e.object();
                if (p.getSpec().getNodeName() == null) {
                  V1Pod bound = ObjectSupport.deepCopy(p);
                  bound.getSpec().setNodeName("node-0");
                  sched.execute(() -> s.write(POD, WriteOp.UPDATE, bound));
                }
              }

              @Override
              public void onRemove(EphemeralEntry e, RemovalReason reason) {}
            });
  }

  /** The sandbox manager's "controller": reports every received pod Running. */
  private void runEverything(StageEngine s) {
    s.store()
        .addListener(
            new EphemeralStore.Listener() {
              @Override
              public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                V1Pod p = (V1Pod) e.object();
                if (autoStatus && p.getStatus() == null) {
                  V1Pod running = withPhase(p, "Running");
                  sched.execute(() -> s.write(POD, WriteOp.UPDATE_STATUS, running));
                }
              }

              @Override
              public void onRemove(EphemeralEntry e, RemovalReason reason) {}
            });
  }

  /** A new pod of the test's ReplicaSet (controller owner {@link #OWNER_UID}). */
  static V1Pod ownedPod(String name, String ownerUid) {
    V1Pod p = TestPods.pod(name, null);
    p.getMetadata()
        .addOwnerReferencesItem(
            new V1OwnerReference()
                .apiVersion("apps/v1")
                .kind("ReplicaSet")
                .name("rs-" + ownerUid)
                .uid(ownerUid)
                .controller(true));
    return p;
  }

  static V1Pod ownedPod(String name) {
    return ownedPod(name, OWNER_UID);
  }

  /**
   * The tail holds pod p and fails to create it for ~16 s (backoff 50 ms doubling to 5 s); the
   * head's link to the scheduler is then cut and the head deletes p, so the delete cannot reach the
   * scheduler. Returns the delete's future.
   */
  CompletableFuture<KubernetesObject> deleteWhileTheHeadIsCutOffFromAHeldPod() {
    persisted.failNext(FakePersistedStore.Op.CREATE, WriteResult.Status.RETRYABLE_FAILURE, 9);
    rs.write(POD, WriteOp.CREATE, ownedPod("p"));
    assertThat(run(() -> sm.store().size() == 1)).as("the tail holds it").isTrue();
    net.faults().partition("rs", "scheduler");
    return rs.write(POD, WriteOp.DELETE, ownedPod("p"));
  }

  boolean run(BooleanSupplier done) {
    return sched.runUntil(done, Duration.ofSeconds(60));
  }

  int persistedPods() {
    return persisted.list(POD).size();
  }

  /** Every stage has nothing dirty and holds nothing ephemeral. */
  boolean quiet() {
    return rs.dirtyCount() == 0
        && scheduler.dirtyCount() == 0
        && sm.dirtyCount() == 0
        && scheduler.store().size() == 0
        && sm.store().size() == 0;
  }

  @Override
  public void close() {
    engines.forEach(StageEngine::close);
  }
}
