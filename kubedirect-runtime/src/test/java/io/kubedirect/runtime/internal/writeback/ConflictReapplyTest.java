package io.kubedirect.runtime.internal.writeback;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.engine.FakePersistedStore;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Finding 4 (conflicts): a lazy write-back of a stage's change (e.g. a deployment stage's desired
 * {@code spec.replicas}) that meets a conflict re-applies only what the stage changed, so a
 * concurrent writer's change (kubectl, an HPA) stays.
 */
class ConflictReapplyTest {

  static final String RS = Kinds.of(V1ReplicaSet.class);

  final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(5);
  final FakePersistedStore api = new FakePersistedStore(sched);
  final WriteBackQueue queue =
      new WriteBackQueue(
          api,
          sched,
          new EngineMetrics(null, "deployment"),
          Duration.ofMillis(10),
          Duration.ofMillis(100),
          api,
          Duration.ofSeconds(5));

  static V1ReplicaSet replicaSet(int replicas) {
    return new V1ReplicaSet()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .metadata(
            new V1ObjectMeta().name("fn-a-1").namespace("default").labels(Map.of("app", "fn-a")))
        .spec(
            new V1ReplicaSetSpec()
                .replicas(replicas)
                .minReadySeconds(0)
                .selector(
                    new io.kubernetes.client.openapi.models.V1LabelSelector()
                        .matchLabels(Map.of("app", "fn-a")))
                .template(new io.kubernetes.client.openapi.models.V1PodTemplateSpec()));
  }

  @Test
  void aConflictKeepsTheOtherWritersFieldsAndReappliesOnlyOurs() {
    queue.track(RS);
    V1ReplicaSet base = (V1ReplicaSet) api.put(RS, replicaSet(1));
    sched.runFor(Duration.ofMillis(1)); // the feed shows the base copy

    V1ReplicaSet desired = ObjectSupport.deepCopy(base);
    desired.getSpec().setReplicas(5);
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            RS,
            WriteOp.UPDATE,
            desired,
            base.getMetadata().getResourceVersion(),
            WriteBackPolicy.lazy(Duration.ofMillis(50)));

    // Meanwhile another writer changes other fields of the same object.
    V1ReplicaSet other = ObjectSupport.deepCopy(base);
    other.getMetadata().putLabelsItem("team", "payments");
    other.getSpec().setMinReadySeconds(7);
    api.put(RS, other);

    assertThat(sched.runUntil(f::isDone, Duration.ofSeconds(5))).isTrue();
    assertThat(f).isNotCompletedExceptionally();
    V1ReplicaSet stored = (V1ReplicaSet) api.stored(RS, "default/fn-a-1").orElseThrow();
    assertThat(stored.getSpec().getReplicas()).as("our change").isEqualTo(5);
    assertThat(stored.getSpec().getMinReadySeconds()).as("their change").isEqualTo(7);
    assertThat(stored.getMetadata().getLabels())
        .containsEntry("team", "payments")
        .containsEntry("app", "fn-a");
  }

  @Test
  void ourOwnFieldWinsWhenBothChangedIt() {
    queue.track(RS);
    V1ReplicaSet base = (V1ReplicaSet) api.put(RS, replicaSet(1));
    sched.runFor(Duration.ofMillis(1));
    V1ReplicaSet desired = ObjectSupport.deepCopy(base);
    desired.getSpec().setReplicas(5);
    CompletableFuture<KubernetesObject> f =
        queue.submit(
            RS,
            WriteOp.UPDATE,
            desired,
            base.getMetadata().getResourceVersion(),
            WriteBackPolicy.EAGER);
    V1ReplicaSet other = ObjectSupport.deepCopy(base);
    other.getSpec().setReplicas(3);
    api.put(RS, other);
    assertThat(sched.runUntil(f::isDone, Duration.ofSeconds(5))).isTrue();
    assertThat(
            ((V1ReplicaSet) api.stored(RS, "default/fn-a-1").orElseThrow()).getSpec().getReplicas())
        .isEqualTo(5);
  }
}
