package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.KubeDirectLabels;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSetStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Intermediate desired state (ReplicaSet replicas): direct at once, written back lazily and
 * coalesced.
 */
class LazyWriteBackTest {

  static final String RS = "apps/v1/ReplicaSet";

  final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(3);
  final InMemoryNetwork net = InMemoryNetwork.builder(sched).build();
  final FakePersistedStore persisted = new FakePersistedStore(sched);
  final FakeDiscovery discovery = new FakeDiscovery();
  final List<StageEngine> engines = new ArrayList<>();

  @AfterEach
  void tearDown() {
    engines.forEach(StageEngine::close);
  }

  StageEngine start(StageEngine.Builder b) {
    StageEngine e =
        b.scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1000))
            .build();
    e.start();
    engines.add(e);
    return e;
  }

  static V1ReplicaSet replicaSet(int replicas) {
    return new V1ReplicaSet()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .metadata(new V1ObjectMeta().name("fn-a").namespace("default"))
        .spec(
            new V1ReplicaSetSpec()
                .replicas(replicas)
                .selector(new V1LabelSelector().matchLabels(java.util.Map.of("app", "fn-a"))));
  }

  @Test
  void scaleChangesTravelDirectlyAndAreWrittenBackOnceCoalesced() {
    StageEngine rsc =
        start(
            StageEngine.builder()
                .stage(
                    StageDeclaration.builder("rsc")
                        .upstream("deploy")
                        .receives(V1ReplicaSet.class)
                        .build())
                .transport(net.transport("rsc"))
                .listen(new PeerAddress("rsc", 0)));
    sched.runFor(Duration.ofMillis(5));
    discovery.put("rsc", "", rsc.localAddress().orElseThrow());
    StageEngine deploy =
        start(
            StageEngine.builder()
                .stage(
                    StageDeclaration.builder("deploy")
                        .downstream("rsc")
                        .emits(V1ReplicaSet.class)
                        .build())
                .transport(net.transport("deploy"))
                .discovery(discovery));
    V1ReplicaSet initial = replicaSet(1);
    initial.getMetadata().setGeneration(1L);
    KubernetesObject stored = persisted.put(RS, initial);
    sched.runFor(Duration.ofMillis(5));
    String rv = stored.getMetadata().getResourceVersion();

    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int r = 2; r <= 5; r++) {
      V1ReplicaSet scaled = replicaSet(r);
      scaled.getMetadata().setResourceVersion(rv);
      scaled.getMetadata().setGeneration(1L);
      fs.add(deploy.write(RS, WriteOp.UPDATE, scaled));
      sched.runFor(Duration.ofMillis(20));
    }
    // The downstream sees the newest desired state before anything is persisted.
    assertThat(fs).allMatch(CompletableFuture::isDone);
    V1ReplicaSet held = (V1ReplicaSet) rsc.store().get(RS, "default/fn-a").orElseThrow().object();
    assertThat(held.getSpec().getReplicas()).isEqualTo(5);
    assertThat(persisted.calls(FakePersistedStore.Op.UPDATE)).isZero();

    // The tail writes its status meanwhile: status only, the spec it holds is not written by it.
    V1ReplicaSet withStatus = replicaSet(5);
    withStatus.getMetadata().setResourceVersion(rv);
    withStatus.getMetadata().setGeneration(1L);
    withStatus.setStatus(new V1ReplicaSetStatus().replicas(5));
    CompletableFuture<KubernetesObject> status = rsc.write(RS, WriteOp.UPDATE_STATUS, withStatus);

    assertThat(sched.runUntil(status::isDone, Duration.ofSeconds(10))).isTrue();
    assertThat(
            sched.runUntil(
                () -> deploy.dirtyCount() == 0 && rsc.store().size() == 0, Duration.ofSeconds(10)))
        .isTrue();
    assertThat(status).isCompleted();
    // The tail wrote the received scale change back: one coalesced spec write, its status in the
    // same pass (the
    // status write joined the pending write of the object), so no conflict.
    assertThat(persisted.log.stream().filter(l -> l.startsWith("UPDATE "))).hasSize(1);
    assertThat(persisted.calls(FakePersistedStore.Op.UPDATE)).isEqualTo(1);
    V1ReplicaSet now = (V1ReplicaSet) persisted.stored(RS, "default/fn-a").orElseThrow();
    assertThat(now.getSpec().getReplicas()).isEqualTo(5);
    assertThat(now.getStatus().getReplicas()).isEqualTo(5);
  }

  @Test
  void inOptInModeOnlyManagedObjectsGoDirect() {
    StageEngine sm =
        start(
            StageEngine.builder()
                .stage(StageDeclaration.builder("sm").upstream("rs").receives(V1Pod.class).build())
                .transport(net.transport("sm"))
                .listen(new PeerAddress("sm", 0)));
    sched.runFor(Duration.ofMillis(5));
    discovery.put("sm", "", sm.localAddress().orElseThrow());
    StageEngine rs =
        start(
            StageEngine.builder()
                .stage(StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build())
                .transport(net.transport("rs"))
                .discovery(discovery)
                .requireManagedLabel(true));
    V1Pod managed = pod("managed", null);
    managed.getMetadata().setLabels(new HashMap<>(managed.getMetadata().getLabels()));
    managed.getMetadata().getLabels().put(KubeDirectLabels.MANAGED, "true");
    CompletableFuture<KubernetesObject> a = rs.write(POD, WriteOp.CREATE, managed);
    CompletableFuture<KubernetesObject> b = rs.write(POD, WriteOp.CREATE, pod("plain", null));
    assertThat(sched.runUntil(() -> a.isDone() && b.isDone(), Duration.ofSeconds(5))).isTrue();
    assertThat(sm.store().get(POD, "default/managed")).isPresent();
    assertThat(sm.store().get(POD, "default/plain")).isEmpty();
    assertThat(persisted.stored(POD, "default/plain")).isPresent();
    assertThat(persisted.stored(POD, "default/managed")).isEmpty();
    assertThat(sm.metrics().registry().get("kubedirect.ephemeral.objects").gauge().value())
        .isEqualTo(1.0);
    assertThat(rs.metrics().registry().get("kubedirect.dirty.objects").gauge().value())
        .isEqualTo(1.0);
  }
}
