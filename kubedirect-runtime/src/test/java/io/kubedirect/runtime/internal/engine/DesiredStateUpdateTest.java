package io.kubedirect.runtime.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubedirect.transport.inmemory.InMemoryTransport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1DeploymentStatus;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Desired-state updates of objects that already exist in the API Server, along autoscaler →
 * deployment → replicaset: the stage that receives a kind and does not emit it (its tail) holds the
 * received desired state, keeps showing it until it wrote it back, and writes it back lazily,
 * coalesced; a stage is head for one kind and tail for another (the deployment stage).
 */
class DesiredStateUpdateTest {

  static final String DEPLOY = Kinds.of(V1Deployment.class);
  static final String RS = Kinds.of(V1ReplicaSet.class);
  static final String KEY = "default/fn-a";
  static final String RS_KEY = "default/fn-a-1";
  static final int MINOR = io.kubedirect.transport.Transport.PROTOCOL_MINOR;

  final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(11);
  final InMemoryNetwork net = InMemoryNetwork.builder(sched).latency(Duration.ofMillis(1)).build();
  final FakePersistedStore persisted = new FakePersistedStore(sched);
  final FakeDiscovery discovery = new FakeDiscovery();
  final List<StageEngine> engines = new ArrayList<>();

  /** Writes per stage: "stage OP kind". */
  final Map<String, AtomicInteger> writes = new ConcurrentHashMap<>();

  StageEngine autoscaler;
  StageEngine deployment;
  StageEngine replicaset;

  @AfterEach
  void tearDown() {
    engines.forEach(StageEngine::close);
  }

  /** The store's API as one stage uses it, counting that stage's writes. */
  PersistedObjectApi apiOf(String stage) {
    return (PersistedObjectApi)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {PersistedObjectApi.class},
            (proxy, m, args) -> {
              if (List.of("create", "update", "updateStatus", "delete", "createSubresource")
                  .contains(m.getName())) {
                writes
                    .computeIfAbsent(
                        stage + " " + m.getName() + " " + args[0], k -> new AtomicInteger())
                    .incrementAndGet();
              }
              try {
                return m.invoke(persisted, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  int writes(String stage, String op, String kind) {
    AtomicInteger n = writes.get(stage + " " + op + " " + kind);
    return n == null ? 0 : n.get();
  }

  int writesBy(String stage) {
    return writes.entrySet().stream()
        .filter(e -> e.getKey().startsWith(stage + " "))
        .mapToInt(e -> e.getValue().get())
        .sum();
  }

  StageEngine start(StageDeclaration stage, WriteBackPolicy policy, String kind, int minor) {
    StageEngine.Builder b =
        StageEngine.builder()
            .stage(stage)
            .transport(InMemoryTransport.builder(net, stage.name()).protocolMinor(minor).build())
            .scheduler(sched)
            .persistedApi(apiOf(stage.name()))
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1000));
    if (!stage.upstreams().isEmpty()) {
      b.listen(new PeerAddress(stage.name(), 0));
    }
    if (policy != null) {
      b.writeBack(kind, policy);
    }
    StageEngine e = b.build();
    e.start();
    engines.add(e);
    return e;
  }

  /**
   * autoscaler → deployment (tail for Deployments, head for ReplicaSets) → replicaset (tail for
   * ReplicaSets).
   */
  void chain(
      WriteBackPolicy deploymentPolicy, WriteBackPolicy replicaSetPolicy, int deploymentMinor) {
    replicaset =
        start(
            StageDeclaration.builder("replicaset")
                .upstream("deployment")
                .receives(V1ReplicaSet.class)
                .build(),
            replicaSetPolicy,
            RS,
            MINOR);
    deployment =
        start(
            StageDeclaration.builder("deployment")
                .upstream("autoscaler")
                .downstream("replicaset")
                .receives(V1Deployment.class)
                .emits(V1ReplicaSet.class)
                .build(),
            deploymentPolicy,
            DEPLOY,
            deploymentMinor);
    sched.runFor(Duration.ofMillis(5));
    discovery.put("replicaset", "", replicaset.localAddress().orElseThrow());
    discovery.put("deployment", "", deployment.localAddress().orElseThrow());
    autoscaler =
        start(
            StageDeclaration.builder("autoscaler")
                .downstream("deployment")
                .emits(V1Deployment.class)
                .build(),
            null,
            DEPLOY,
            MINOR);
    // The deployment stage's "controller": the ReplicaSet follows the Deployment's desired
    // replicas.
    deployment
        .store()
        .addListener(
            new EphemeralStore.Listener() {
              @Override
              public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                if (!e.kind().equals(DEPLOY)) {
                  return;
                }
                int want = ((V1Deployment) e.object()).getSpec().getReplicas();
                V1ReplicaSet rs =
                    (V1ReplicaSet)
                        ObjectSupport.deepCopy(persisted.stored(RS, RS_KEY).orElseThrow());
                if (rs.getSpec().getReplicas() != want) {
                  rs.getSpec().setReplicas(want);
                  sched.execute(() -> deployment.write(RS, WriteOp.UPDATE, rs));
                }
              }

              @Override
              public void onRemove(EphemeralEntry e, RemovalReason reason) {}
            });
    persisted.put(DEPLOY, deploymentObject(1));
    persisted.put(RS, replicaSetObject(1));
    sched.runFor(Duration.ofMillis(5));
  }

  static V1Deployment deploymentObject(int replicas) {
    return new V1Deployment()
        .apiVersion("apps/v1")
        .kind("Deployment")
        .metadata(new V1ObjectMeta().name("fn-a").namespace("default").generation(1L))
        .spec(
            new V1DeploymentSpec()
                .replicas(replicas)
                .minReadySeconds(0)
                .selector(new V1LabelSelector().matchLabels(Map.of("app", "fn-a")))
                .template(new io.kubernetes.client.openapi.models.V1PodTemplateSpec()));
  }

  static V1ReplicaSet replicaSetObject(int replicas) {
    return new V1ReplicaSet()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .metadata(new V1ObjectMeta().name("fn-a-1").namespace("default").generation(1L))
        .spec(
            new V1ReplicaSetSpec()
                .replicas(replicas)
                .selector(new V1LabelSelector().matchLabels(Map.of("app", "fn-a"))));
  }

  /** The autoscaler's write: the Deployment as its informer shows it, with new desired replicas. */
  CompletableFuture<KubernetesObject> scale(int replicas) {
    V1Deployment d =
        (V1Deployment) ObjectSupport.deepCopy(persisted.stored(DEPLOY, KEY).orElseThrow());
    d.getSpec().setReplicas(replicas);
    return autoscaler.write(DEPLOY, WriteOp.UPDATE, d);
  }

  int heldReplicas(StageEngine e, String kind, String key) {
    KubernetesObject o = e.store().get(kind, key).orElseThrow().object();
    return o instanceof V1Deployment d
        ? d.getSpec().getReplicas()
        : ((V1ReplicaSet) o).getSpec().getReplicas();
  }

  boolean quiet() {
    return autoscaler.dirtyCount() == 0
        && deployment.dirtyCount() == 0
        && deployment.store().size() == 0
        && replicaset.store().size() == 0;
  }

  @Test
  void eachTailWritesItsKindBackOnceCoalescedAndNoSenderWritesIt() {
    chain(
        WriteBackPolicy.lazy(Duration.ofMillis(300)),
        WriteBackPolicy.lazy(Duration.ofMillis(300)),
        MINOR);
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int r = 2; r <= 5; r++) {
      fs.add(scale(r));
      sched.runFor(Duration.ofMillis(20));
    }
    assertThat(fs).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
    // Both tails show the newest desired state before anything is written.
    assertThat(heldReplicas(deployment, DEPLOY, KEY)).isEqualTo(5);
    assertThat(
            sched.runUntil(
                () ->
                    replicaset.store().get(RS, RS_KEY).isPresent()
                        && heldReplicas(replicaset, RS, RS_KEY) == 5,
                Duration.ofMillis(100)))
        .isTrue();
    assertThat(persisted.log).noneMatch(l -> l.startsWith("UPDATE"));

    assertThat(sched.runUntil(this::quiet, Duration.ofSeconds(10))).isTrue();
    assertThat(((V1Deployment) persisted.stored(DEPLOY, KEY).orElseThrow()).getSpec().getReplicas())
        .isEqualTo(5);
    assertThat(((V1ReplicaSet) persisted.stored(RS, RS_KEY).orElseThrow()).getSpec().getReplicas())
        .isEqualTo(5);
    // Four updates of each object, one write each, by the kind's tail only.
    assertThat(writes("deployment", "update", DEPLOY)).isEqualTo(1);
    assertThat(writes("replicaset", "update", RS)).isEqualTo(1);
    assertThat(writesBy("autoscaler"))
        .as("the autoscaler is head for Deployments: it writes nothing")
        .isZero();
    assertThat(writes("deployment", "update", RS))
        .as("the deployment stage is head for ReplicaSets")
        .isZero();
    assertThat(writesBy("deployment")).isEqualTo(1);
    assertThat(writesBy("replicaset")).isEqualTo(1);
  }

  @Test
  void
      theTailKeepsShowingTheUpdateOverUnrelatedAndStatusWritesAndAConflictKeepsTheOtherWritersChange() {
    chain(WriteBackPolicy.lazy(Duration.ofSeconds(1)), WriteBackPolicy.NONE, MINOR);
    V1Deployment base =
        (V1Deployment) ObjectSupport.deepCopy(persisted.stored(DEPLOY, KEY).orElseThrow());
    CompletableFuture<KubernetesObject> f = scale(5);
    assertThat(sched.runUntil(f::isDone, Duration.ofMillis(200))).isTrue();
    assertThat(heldReplicas(deployment, DEPLOY, KEY)).isEqualTo(5);

    // Another writer's status write (same generation), then its unrelated spec change (a new
    // generation): the
    // API copies would supersede the held update by the rule for never-written copies, but it is
    // not written yet.
    V1Deployment status = ObjectSupport.deepCopy(base);
    status.setStatus(new V1DeploymentStatus().replicas(1).observedGeneration(1L));
    persisted.put(DEPLOY, status);
    sched.runFor(Duration.ofMillis(50));
    assertThat(heldReplicas(deployment, DEPLOY, KEY)).isEqualTo(5);
    V1Deployment other =
        (V1Deployment) ObjectSupport.deepCopy(persisted.stored(DEPLOY, KEY).orElseThrow());
    other.getSpec().setMinReadySeconds(7);
    other.getMetadata().setGeneration(2L);
    other.getMetadata().putLabelsItem("team", "payments");
    persisted.put(DEPLOY, other);
    sched.runFor(Duration.ofMillis(50));
    assertThat(heldReplicas(deployment, DEPLOY, KEY))
        .as("still the received desired state")
        .isEqualTo(5);
    assertThat(persisted.log).noneMatch(l -> l.startsWith("UPDATE"));

    assertThat(
            sched.runUntil(
                () -> autoscaler.dirtyCount() == 0 && deployment.store().size() == 0,
                Duration.ofSeconds(10)))
        .isTrue();
    V1Deployment stored = (V1Deployment) persisted.stored(DEPLOY, KEY).orElseThrow();
    assertThat(stored.getSpec().getReplicas()).as("the received change").isEqualTo(5);
    assertThat(stored.getSpec().getMinReadySeconds()).as("the other writer's change").isEqualTo(7);
    assertThat(stored.getMetadata().getLabels()).containsEntry("team", "payments");
    assertThat(stored.getStatus().getReplicas()).as("the other writer's status").isEqualTo(1);
    // The first attempt met the other writer's resourceVersion: CONFLICT, re-read, re-applied once.
    assertThat(writes("deployment", "update", DEPLOY)).isEqualTo(2);
    assertThat(persisted.log.stream().filter(l -> l.startsWith("UPDATE " + DEPLOY))).hasSize(1);
  }

  @Test
  void anUpdateTheStoreRefusesIsDroppedEverywhere() {
    chain(WriteBackPolicy.EAGER, WriteBackPolicy.NONE, MINOR);
    persisted.failNext(
        FakePersistedStore.Op.UPDATE, io.kubedirect.api.WriteResult.Status.FAILED, 1);
    CompletableFuture<KubernetesObject> f = scale(9);
    assertThat(sched.runUntil(f::isDone, Duration.ofMillis(200))).isTrue();
    // The tail drops its held copy (its informers show the stored state again) and tells the
    // autoscaler.
    assertThat(
            sched.runUntil(
                () -> deployment.store().size() == 0 && autoscaler.dirtyCount() == 0,
                Duration.ofSeconds(5)))
        .isTrue();
    assertThat(((V1Deployment) persisted.stored(DEPLOY, KEY).orElseThrow()).getSpec().getReplicas())
        .isEqualTo(1);
  }

  @ParameterizedTest(name = "downstream at minor {0}: {1} writes the update back")
  @CsvSource({"3, deployment", "2, autoscaler"})
  void whoWritesBackFollowsTheLinksMinor(int tailMinor, String writer) {
    chain(WriteBackPolicy.lazy(Duration.ofMillis(200)), WriteBackPolicy.NONE, tailMinor);
    for (int r = 2; r <= 4; r++) {
      scale(r);
      sched.runFor(Duration.ofMillis(10));
    }
    assertThat(
            sched.runUntil(
                () -> autoscaler.dirtyCount() == 0 && deployment.store().size() == 0,
                Duration.ofSeconds(10)))
        .isTrue();
    assertThat(((V1Deployment) persisted.stored(DEPLOY, KEY).orElseThrow()).getSpec().getReplicas())
        .isEqualTo(4);
    // One coalesced write, by exactly one of the two (a minor-2 tail does not write received
    // updates back).
    assertThat(writes(writer, "update", DEPLOY)).isEqualTo(1);
    assertThat(persisted.log.stream().filter(l -> l.startsWith("UPDATE " + DEPLOY))).hasSize(1);
  }
}
