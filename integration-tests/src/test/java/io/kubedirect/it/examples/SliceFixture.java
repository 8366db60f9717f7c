package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.cluster.SliceChecks;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One example-slice scenario on the shared control plane: a fresh namespace, pool nodes, the
 * function's ReplicaSet, and an independent plain client-java informer on the API Server (what
 * kubectl would see) that the assertions read. {@link #close()} removes the nodes, the ReplicaSet
 * and its pods, so the next scenario starts from an empty pool.
 */
final class SliceFixture implements AutoCloseable {

  static final String FUNCTION = "fn";

  final ApiClient api;
  final CoreV1Api core;
  final AppsV1Api apps;
  final String namespace;
  final List<String> nodes;
  private final SharedInformerFactory factory;
  private final SharedIndexInformer<V1Pod> pods;
  private final Set<String> everSeen = ConcurrentHashMap.newKeySet();

  SliceFixture(ApiClient api, int nodeCount) throws ApiException {
    this.api = api;
    this.core = new CoreV1Api(api);
    this.apps = new AppsV1Api(api);
    String id = UUID.randomUUID().toString().substring(0, 6);
    this.namespace = "slice-" + id;
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute();
    this.nodes = PoolNodes.names("pool-" + id, nodeCount);
    PoolNodes.create(api, nodes, Map.of());
    this.factory = new SharedInformerFactory(api);
    this.pods =
        factory.sharedIndexInformerFor(
            p ->
                core.listNamespacedPod(namespace)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1Pod.class,
            V1PodList.class);
    pods.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod pod) {
            everSeen.add(pod.getMetadata().getName());
          }

          @Override
          public void onUpdate(V1Pod oldPod, V1Pod newPod) {
            everSeen.add(newPod.getMetadata().getName());
          }

          @Override
          public void onDelete(V1Pod pod, boolean unknown) {}
        });
    factory.startAllRegisteredInformers();
    await().atMost(Duration.ofSeconds(30)).until(pods::hasSynced);
  }

  /**
   * Creates the function's ReplicaSet (labelled for the example controller) with {@code replicas}.
   */
  V1ReplicaSet createReplicaSet(int replicas) throws ApiException {
    return apps.createNamespacedReplicaSet(
            namespace, Workloads.exampleReplicaSet(namespace, FUNCTION, replicas))
        .execute();
  }

  /** Sets spec.replicas of the function's ReplicaSet. */
  void scale(int replicas) throws ApiException {
    V1Patch patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}");
    PatchUtils.patch(
        V1ReplicaSet.class,
        () -> apps.patchNamespacedReplicaSet(FUNCTION, namespace, patch).buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
        api);
  }

  /** What the API-Server informer shows. */
  List<V1Pod> pods() {
    return pods.getIndexer().list();
  }

  /** Names of every pod the API Server ever showed in the namespace. */
  Set<String> everSeen() {
    return new HashSet<>(everSeen);
  }

  /**
   * Waits until the API Server shows exactly {@code replicas} Ready pods of the ReplicaSet {@code
   * rsUid}, correctly owned, bound to pool nodes, with unique names and IPs, and the ReplicaSet
   * status agrees.
   */
  void awaitExactly(int replicas, String rsUid, Duration timeout) {
    Set<String> pool = new HashSet<>(nodes);
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> assertThat(SliceChecks.problems(pods(), replicas, pool, rsUid)).isEmpty());
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .untilAsserted(
            () -> {
              V1ReplicaSet rs = apps.readNamespacedReplicaSet(FUNCTION, namespace).execute();
              assertThat(rs.getStatus().getReplicas()).isEqualTo(replicas);
              assertThat(rs.getStatus().getReadyReplicas()).isEqualTo(replicas);
            });
  }

  @Override
  public void close() throws ApiException {
    factory.stopAllRegisteredInformers();
    try {
      apps.deleteNamespacedReplicaSet(FUNCTION, namespace).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
    for (V1Pod p : core.listNamespacedPod(namespace).execute().getItems()) {
      try {
        core.deleteNamespacedPod(p.getMetadata().getName(), namespace)
            .gracePeriodSeconds(0)
            .execute();
      } catch (ApiException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
    for (String n : nodes) {
      try {
        core.deleteNode(n).execute();
      } catch (ApiException e) {
        if (e.getCode() != 404) {
          throw e;
        }
      }
    }
  }
}
