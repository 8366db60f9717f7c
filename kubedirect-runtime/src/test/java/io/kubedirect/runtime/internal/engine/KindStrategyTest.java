package io.kubedirect.runtime.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.KindStrategy;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.writeback.WriteBackQueue;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/** Kind-specific behaviour comes from the kind's strategy, not from the engine. */
class KindStrategyTest {

  static final String RS = "apps/v1/ReplicaSet";

  static V1ReplicaSet replicaSet(String name, String shard) {
    return new V1ReplicaSet()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .metadata(new V1ObjectMeta().name(name).namespace("default").labels(Map.of("shard", shard)))
        .spec(
            new V1ReplicaSetSpec()
                .replicas(1)
                .selector(new V1LabelSelector().matchLabels(Map.of("app", name))));
  }

  /** Routes ReplicaSets by their "shard" label; a stored copy of another shard is not ours. */
  static final KindStrategy<KubernetesObject> BY_SHARD =
      new KindStrategy<>() {
        @Override
        public String routingKey(KubernetesObject o) {
          return o.getMetadata().getLabels().get("shard");
        }

        @Override
        public String ownershipConflict(KubernetesObject desired, KubernetesObject stored) {
          String want = desired.getMetadata().getLabels().get("shard");
          String have = stored.getMetadata().getLabels().get("shard");
          return want.equals(have) ? null : "stored in shard " + have;
        }
      };

  @Test
  void objectsAreRoutedByTheirKindsStrategy() {
    DeterministicTaskScheduler sched = new DeterministicTaskScheduler(51);
    InMemoryNetwork net = InMemoryNetwork.builder(sched).build();
    FakePersistedStore persisted = new FakePersistedStore(sched);
    FakeDiscovery discovery = new FakeDiscovery();
    StageDeclaration down =
        StageDeclaration.builder("rsc").upstream("deploy").receives(V1ReplicaSet.class).build();
    StageEngine[] shards = new StageEngine[2];
    for (int i = 0; i < 2; i++) {
      shards[i] =
          StageEngine.builder()
              .stage(down)
              .transport(net.transport("rsc"))
              .scheduler(sched)
              .persistedApi(persisted)
              .persistedFeed(persisted)
              .listen(new PeerAddress("rsc-" + i, 0))
              .writeBack(RS, WriteBackPolicy.NONE)
              .build();
      shards[i].start();
    }
    sched.runFor(Duration.ofMillis(5));
    for (int i = 0; i < 2; i++) {
      discovery.put("rsc", "s" + i, shards[i].localAddress().orElseThrow());
    }
    StageEngine deploy =
        StageEngine.builder()
            .stage(
                StageDeclaration.builder("deploy")
                    .downstream("rsc")
                    .emits(V1ReplicaSet.class)
                    .build())
            .transport(net.transport("deploy"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .kind(RS, BY_SHARD)
            .build();
    deploy.start();
    try {
      deploy.write(RS, WriteOp.CREATE, replicaSet("a", "s0"));
      deploy.write(RS, WriteOp.CREATE, replicaSet("b", "s1"));
      deploy.write(RS, WriteOp.CREATE, replicaSet("c", "s1"));
      assertThat(
              sched.runUntil(
                  () -> shards[0].store().size() + shards[1].store().size() == 3,
                  Duration.ofSeconds(10)))
          .isTrue();
      assertThat(shards[0].store().get(RS, "default/a")).isPresent();
      assertThat(shards[1].store().get(RS, "default/b")).isPresent();
      assertThat(shards[1].store().get(RS, "default/c")).isPresent();
    } finally {
      deploy.close();
      shards[0].close();
      shards[1].close();
    }
  }

  @Test
  void theWriteBackAsksTheKindsStrategyWhoOwnsAStoredCopy() {
    DeterministicTaskScheduler sched = new DeterministicTaskScheduler(52);
    FakePersistedStore store = new FakePersistedStore(sched);
    WriteBackQueue q =
        new WriteBackQueue(
            store,
            sched,
            new EngineMetrics(null, "rsc"),
            Duration.ofMillis(10),
            Duration.ofMillis(100),
            store,
            Duration.ofSeconds(5),
            8,
            kind -> RS.equals(kind) ? BY_SHARD : DefaultKindStrategies.forKind(kind),
            new WriteBackQueue.Listener() {});
    store.put(RS, replicaSet("a", "s1"));
    CompletableFuture<KubernetesObject> f =
        q.submit(RS, WriteOp.CREATE, replicaSet("a", "s0"), null, WriteBackPolicy.EAGER);
    assertThat(sched.runUntil(f::isDone, Duration.ofSeconds(5))).isTrue();
    ExecutionException ex =
        org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class, f::get);
    assertThat(((WriteException) ex.getCause()).status())
        .isEqualTo(WriteResult.Status.ALREADY_EXISTS);
    assertThat(ex.getCause()).hasMessageContaining("stored in shard s1");
  }
}
