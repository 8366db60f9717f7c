package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.FaultSpec;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fan-out to a subscriber: the sandbox manager ({@code sm}, tail for pods) publishes the pods it
 * holds, with their readiness, to an {@code activator} that only observes. The main path (rs → sm,
 * write-back) never waits for the subscriber; the subscriber converges to the publisher's current
 * set after its link comes back.
 */
class SubscriberTest {

  final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(23);
  final InMemoryNetwork net = InMemoryNetwork.builder(sched).latency(Duration.ofMillis(1)).build();
  final FakePersistedStore persisted = new FakePersistedStore(sched);
  final FakeDiscovery discovery = new FakeDiscovery();
  final Map<String, AtomicInteger> writes = new ConcurrentHashMap<>();
  final List<StageEngine> engines = new ArrayList<>();

  /**
   * The activator's informers: they can lag behind the API Server while the sandbox manager's keep
   * up.
   */
  final LaggingFeed activatorFeed = new LaggingFeed(persisted);

  StageEngine rs;
  DefaultStageEngine sm;
  StageEngine activator;

  /** Whether the sandbox manager reports every received pod Ready at once. */
  boolean autoReady = true;

  @AfterEach
  void tearDown() {
    engines.forEach(StageEngine::close);
  }

  PersistedObjectApi apiOf(String stage) {
    return (PersistedObjectApi)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {PersistedObjectApi.class},
            (proxy, m, args) -> {
              if (List.of("create", "update", "updateStatus", "delete", "createSubresource")
                  .contains(m.getName())) {
                writes.computeIfAbsent(stage, k -> new AtomicInteger()).incrementAndGet();
              }
              if (m.getName().equals("create")
                  && args[1] instanceof V1Pod p
                  && p.getStatus() != null) {
                // Like the API Server: a pod is created without the status in the request; it is
                // written separately.
                V1Pod c = ObjectSupport.deepCopy(p);
                c.setStatus(null);
                args[1] = c;
              }
              try {
                return m.invoke(persisted, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  int writesBy(String stage) {
    AtomicInteger n = writes.get(stage);
    return n == null ? 0 : n.get();
  }

  StageEngine start(StageEngine.Builder b, String stage) {
    StageEngine e =
        b.transport(net.transport(stage))
            .scheduler(sched)
            .persistedApi(apiOf(stage))
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1000))
            .build();
    e.start();
    engines.add(e);
    return e;
  }

  void chain(EngineLimits smLimits) {
    chain(smLimits, io.kubedirect.transport.Transport.PROTOCOL_MINOR);
  }

  void chain(EngineLimits smLimits, int activatorMinor) {
    activator =
        StageEngine.builder()
            .stage(
                StageDeclaration.builder("activator").upstream("sm").receives(V1Pod.class).build())
            .listen(new PeerAddress("activator", 0))
            .transport(
                io.kubedirect.transport.inmemory.InMemoryTransport.builder(net, "activator")
                    .protocolMinor(activatorMinor)
                    .build())
            .scheduler(sched)
            .persistedApi(apiOf("activator"))
            .persistedFeed(activatorFeed)
            .discovery(discovery)
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1000))
            .build();
    activator.start();
    engines.add(activator);
    sm =
        (DefaultStageEngine)
            start(
                StageEngine.builder()
                    .stage(
                        StageDeclaration.builder("sm")
                            .upstream("rs")
                            .receives(V1Pod.class)
                            .subscribers("activator")
                            .build())
                    .listen(new PeerAddress("node-0", 0))
                    .instance("node-0")
                    .limits(smLimits),
                "sm");
    sched.runFor(Duration.ofMillis(5));
    discovery.put("sm", "node-0", sm.localAddress().orElseThrow());
    discovery.put("activator", "", activator.localAddress().orElseThrow());
    rs =
        start(
            StageEngine.builder()
                .stage(StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build()),
            "rs");
    // The sandbox manager's "controller": starts the sandbox and reports the pod Ready.
    sm.store()
        .addListener(
            new EphemeralStore.Listener() {
              @Override
              public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                if (autoReady && ((V1Pod) e.object()).getStatus() == null) {
                  V1Pod ready = ready((V1Pod) e.object());
                  sched.execute(() -> sm.write(POD, WriteOp.UPDATE_STATUS, ready));
                }
              }

              @Override
              public void onRemove(EphemeralEntry e, RemovalReason reason) {}
            });
    sched.runFor(Duration.ofMillis(20));
  }

  /**
   * A feed of pods that can hold its events back (a lagging informer) and release them in order.
   */
  static final class LaggingFeed implements io.kubedirect.runtime.spi.PersistedObjectFeed {
    private final List<Listener> listeners = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Runnable> held = new ArrayList<>();
    private final FakePersistedStore store;
    boolean lagging;

    LaggingFeed(FakePersistedStore store) {
      this.store = store;
      store.addListener(
          POD,
          new Listener() {
            @Override
            public void onPersisted(KubernetesObject o) {
              deliver(() -> listeners.forEach(l -> l.onPersisted(o)));
            }

            @Override
            public void onDeleted(KubernetesObject o) {
              deliver(() -> listeners.forEach(l -> l.onDeleted(o)));
            }
          });
    }

    private synchronized void deliver(Runnable event) {
      if (lagging) {
        held.add(event);
      } else {
        event.run();
      }
    }

    synchronized void release() {
      lagging = false;
      held.forEach(Runnable::run);
      held.clear();
    }

    @Override
    public void addListener(String kind, Listener listener) {
      if (kind.equals(POD)) {
        listeners.add(listener);
      }
    }

    @Override
    public synchronized java.util.OptionalLong observedRevision(String kind) {
      return lagging ? java.util.OptionalLong.empty() : store.observedRevision(kind);
    }
  }

  static V1Pod ready(V1Pod p) {
    V1Pod c = ObjectSupport.deepCopy(p);
    c.setStatus(
        new V1PodStatus()
            .phase("Running")
            .conditions(List.of(new V1PodCondition().type("Ready").status("True"))));
    return c;
  }

  static boolean isReady(KubernetesObject o) {
    V1PodStatus s = ((V1Pod) o).getStatus();
    return s != null
        && s.getConditions() != null
        && s.getConditions().stream()
            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
  }

  List<CompletableFuture<KubernetesObject>> create(String prefix, int n) {
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      fs.add(rs.write(POD, WriteOp.CREATE, TestPods.pod(prefix + i, "node-0")));
    }
    return fs;
  }

  boolean run(java.util.function.BooleanSupplier done) {
    return sched.runUntil(done, Duration.ofSeconds(60));
  }

  /**
   * What an informer of the activator shows: its API copies overlaid with what it holds ephemerally
   * (the union view), here as name → ready.
   */
  Map<String, Boolean> activatorView() {
    Map<String, Boolean> view = new java.util.TreeMap<>();
    for (KubernetesObject o : persisted.list(POD)) {
      view.put(o.getMetadata().getName(), isReady(o));
    }
    for (EphemeralEntry e : activator.store().entries(POD)) {
      view.put(e.object().getMetadata().getName(), isReady(e.object()));
    }
    return view;
  }

  Set<String> names(EphemeralStore s) {
    Set<String> out = new TreeSet<>();
    s.entries(POD).forEach(e -> out.add(e.object().getMetadata().getName()));
    return out;
  }

  @Test
  void theSubscriberSeesCreatesReadinessAndDeletesBeforeTheyArePersistedAndNeverWritesBack() {
    chain(EngineLimits.defaults());
    autoReady = false;
    List<CompletableFuture<KubernetesObject>> fs = create("p", 5);
    assertThat(run(() -> names(activator.store()).size() == 5)).isTrue();
    assertThat(persisted.list(POD)).as("nothing persisted yet").isEmpty();
    assertThat(activator.store().entries(POD)).noneMatch(e -> isReady(e.object()));

    // Readiness of three started sandboxes reaches the activator; the tail writes them back.
    for (String n : List.of("p0", "p1", "p2")) {
      sm.write(
          POD,
          WriteOp.UPDATE_STATUS,
          ready((V1Pod) sm.store().get(POD, "default/" + n).orElseThrow().object()));
    }
    assertThat(
            run(
                () ->
                    activator.store().entries(POD).stream().filter(e -> isReady(e.object())).count()
                            == 3
                        || persisted.list(POD).size() == 3))
        .isTrue();
    // Two pods are deleted before anyone persisted them: the activator drops them.
    fs.add(rs.write(POD, WriteOp.DELETE, TestPods.pod("p3", "node-0")));
    fs.add(rs.write(POD, WriteOp.DELETE, TestPods.pod("p4", "node-0")));
    assertThat(
            run(
                () ->
                    persisted.list(POD).size() == 3
                        && rs.dirtyCount() == 0
                        && sm.store().size() == 0
                        && activator.store().size() == 0))
        .isTrue();
    sched.runFor(Duration.ofMillis(10)); // futures complete on scheduler tasks
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(activatorView()).isEqualTo(Map.of("p0", true, "p1", true, "p2", true));
    assertThat(writesBy("activator")).as("a subscriber never writes").isZero();
    assertThat(activator.metrics().count("link.batches")).isPositive();
    assertThat(writesBy("rs")).as("no fallback on the main path").isZero();
  }

  @Test
  void theReadyCopyIsWhatTheActivatorShowsUntilItsOwnInformerHasTheStoredOne() {
    chain(EngineLimits.defaults());
    List<String> shown = new ArrayList<>();
    activator
        .store()
        .addListener(
            new EphemeralStore.Listener() {
              @Override
              public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                shown.add(isReady(e.object()) ? "ready" : "not-ready");
              }

              @Override
              public void onRemove(EphemeralEntry e, RemovalReason reason) {
                shown.add("removed " + reason);
              }
            });
    // The activator's informers lag behind the API Server, as they do behind a busy one; the
    // sandbox manager's see
    // its create (without status) and then its status write.
    activatorFeed.lagging = true;
    create("q", 1);
    assertThat(
            run(
                () ->
                    persisted.list(POD).size() == 1
                        && isReady(persisted.list(POD).get(0))
                        && sm.store().size() == 0))
        .isTrue();
    sched.runFor(Duration.ofMillis(50));
    assertThat(activator.store().entries(POD))
        .as("the last copy the activator got is Ready")
        .singleElement()
        .matches(e -> isReady(e.object()));
    activatorFeed.release();
    assertThat(run(() -> activator.store().size() == 0)).isTrue();
    // Created unready, then Ready; once Ready it is never shown unready again (the tail held its
    // Ready copy until
    // the stored copy carried the status), and it goes only when the activator's own feed shows the
    // stored copy.
    int firstReady = shown.indexOf("ready");
    assertThat(firstReady).isNotNegative();
    assertThat(shown.subList(firstReady, shown.size())).doesNotContain("not-ready");
    assertThat(shown.get(shown.size() - 1)).isEqualTo("removed PERSISTED");
    assertThat(writesBy("activator")).isZero();
  }

  @Test
  void aSubscriberOfAnOlderProtocolMinorGetsNothingAndTheMainPathGoesOn() {
    chain(EngineLimits.defaults(), 2);
    List<CompletableFuture<KubernetesObject>> fs = create("p", 3);
    assertThat(run(() -> persisted.list(POD).size() == 3 && rs.dirtyCount() == 0)).isTrue();
    sched.runFor(Duration.ofMillis(10));
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    // A minor-2 receiver would take the pods as its own (cascading deletes to stored copies): it
    // gets none.
    assertThat(activator.metrics().count("link.batches")).isZero();
    assertThat(activator.store().size()).isZero();
    assertThat(sm.subscriberSessions.values())
        .allMatch(s -> s.state == SubscriberSession.State.UNSUPPORTED);
    assertThat(writesBy("activator")).isZero();
  }

  @Test
  void aPartitionedSubscriberNeitherBlocksNorFailsTheMainPathAndConvergesWhenBack() {
    chain(EngineLimits.defaults());
    autoReady = false;
    List<CompletableFuture<KubernetesObject>> before = create("a", 5);
    assertThat(run(() -> names(activator.store()).size() == 5)).isTrue();

    // The activator goes away while the pods live only in memory.
    net.faults().partition("sm", "activator");
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>(before);
    fs.add(rs.write(POD, WriteOp.DELETE, TestPods.pod("a3", "node-0")));
    fs.add(rs.write(POD, WriteOp.DELETE, TestPods.pod("a4", "node-0")));
    for (String n : List.of("a0", "a1", "a2")) {
      fs.add(
          sm.write(
              POD,
              WriteOp.UPDATE_STATUS,
              ready((V1Pod) sm.store().get(POD, "default/" + n).orElseThrow().object())));
    }
    fs.addAll(create("b", 2)); // new sandboxes, not started yet
    // Longer than the fallback deadline: the main path must not care.
    sched.runFor(Duration.ofSeconds(15));
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(persisted.list(POD)).hasSize(3).allMatch(SubscriberTest::isReady);
    assertThat(rs.dirtyCount()).as("only b0, b1 unpersisted").isEqualTo(2);
    assertThat(rs.inFallback(sm.localAddress().orElseThrow())).isFalse();
    assertThat(writesBy("rs")).as("no fallback write").isZero();
    assertThat(names(activator.store()))
        .as("withdrawn: the publisher's link was down past the fallback deadline")
        .isEmpty();

    net.faults().heal("sm", "activator");
    // Back: the snapshot round withdraws what is gone (a3, a4 deleted; a0-a2 persisted, shown from
    // the activator's
    // own informer now) and sends what is new.
    assertThat(run(() -> names(activator.store()).equals(Set.of("b0", "b1")))).isTrue();
    assertThat(activatorView())
        .isEqualTo(Map.of("a0", true, "a1", true, "a2", true, "b0", false, "b1", false));
    assertThat(names(activator.store())).isEqualTo(names(sm.store()));
    assertThat(writesBy("activator")).isZero();
  }

  @Test
  void aShortPartitionKeepsWhatThePublisherSentAndALongOneWithdrawsIt() {
    chain(
        EngineLimits.defaults()); // the activator withdraws after its own fallback deadline (10 s)
    autoReady = false;
    create("a", 3);
    assertThat(run(() -> names(activator.store()).size() == 3)).isTrue();

    // Shorter than the deadline: nothing flaps at the activator.
    net.faults().partition("sm", "activator");
    sched.runFor(Duration.ofSeconds(2));
    assertThat(names(activator.store())).isEqualTo(Set.of("a0", "a1", "a2"));
    net.faults().heal("sm", "activator");
    sched.runFor(Duration.ofSeconds(3));
    assertThat(names(activator.store())).isEqualTo(Set.of("a0", "a1", "a2"));

    // The publisher is gone past the deadline: its unpersisted sandboxes are no longer shown.
    net.faults().partition("sm", "activator");
    assertThat(run(() -> activator.store().size() == 0)).isTrue();
    assertThat(names(sm.store()))
        .as("the main path keeps them")
        .isEqualTo(Set.of("a0", "a1", "a2"));
    net.faults().heal("sm", "activator");
    assertThat(run(() -> names(activator.store()).equals(names(sm.store())))).isTrue();
  }

  @Test
  void aSubscriberThatNeverAnswersCostsBoundedMemoryAndNothingElse() {
    int bound = 40;
    chain(EngineLimits.defaults().withMaxDirtyObjects(bound));
    autoReady = false;
    create("warm", 1);
    assertThat(run(() -> activator.store().size() == 1)).isTrue();
    // From now on nothing the sandbox manager sends the activator arrives within the test.
    net.faults()
        .setLink(
            "sm",
            "activator",
            FaultSpec.builder().delay(Duration.ofHours(2), Duration.ofHours(2)).build());
    autoReady = true;
    int[] max = {0};
    sm.store()
        .addListener(
            new EphemeralStore.Listener() {
              @Override
              public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                max[0] =
                    Math.max(max[0], sm.subscriberBacklog(activator.localAddress().orElseThrow()));
              }

              @Override
              public void onRemove(EphemeralEntry e, RemovalReason reason) {}
            });
    List<CompletableFuture<KubernetesObject>> fs = create("p", 200);
    fs.add(
        sm.write(
            POD,
            WriteOp.UPDATE_STATUS,
            ready((V1Pod) sm.store().get(POD, "default/warm0").orElseThrow().object())));
    assertThat(run(() -> persisted.list(POD).size() == 201 && rs.dirtyCount() == 0)).isTrue();
    sched.runFor(Duration.ofMillis(10));
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    assertThat(persisted.list(POD)).hasSize(201);
    assertThat(rs.dirtyCount()).isZero();
    assertThat(max[0])
        .as("the backlog for the silent subscriber stays bounded")
        .isBetween(1, bound);
    SubscriberSession s = sm.subscriberSessions.get(activator.localAddress().orElseThrow());
    assertThat(s.overflows)
        .as("its connection was dropped rather than the backlog grown")
        .isPositive();
    assertThat(writesBy("rs")).isZero();

    // Once it answers again it converges: it holds nothing the sandbox manager does not hold.
    net.faults().clearLink("sm", "activator");
    Set<String> expected = new HashSet<>(names(sm.store()));
    assertThat(run(() -> names(activator.store()).equals(names(sm.store())))).isTrue();
    assertThat(expected).isEmpty();
    assertThat(activatorView().values()).hasSize(201);
  }
}
