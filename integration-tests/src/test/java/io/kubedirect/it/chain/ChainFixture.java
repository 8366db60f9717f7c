package io.kubedirect.it.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.cluster.SliceChecks;
import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One chain scenario on a control plane: a fresh namespace, pool nodes, and independent plain
 * client-java informers on the namespace's Deployments, ReplicaSets and pods (what kubectl would
 * see), which the checks read. {@link #close()} deletes the function's objects and the nodes, so
 * the next scenario starts from an empty pool.
 */
final class ChainFixture implements AutoCloseable {

  static final String FUNCTION = "fn";

  final ApiClient api;
  final CoreV1Api core;
  final AppsV1Api apps;
  final String namespace;
  final List<String> nodes;
  private final SharedInformerFactory factory;
  private final SharedIndexInformer<V1Pod> pods;
  private final SharedIndexInformer<V1ReplicaSet> replicaSets;
  private final SharedIndexInformer<V1Deployment> deployments;
  private final Set<String> podsEverSeen = ConcurrentHashMap.newKeySet();

  ChainFixture(ApiClient api, String prefix, int nodeCount) throws ApiException {
    this.api = api;
    this.core = new CoreV1Api(api);
    this.apps = new AppsV1Api(api);
    String id = UUID.randomUUID().toString().substring(0, 6);
    this.namespace = prefix + "-" + id;
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
    this.replicaSets =
        factory.sharedIndexInformerFor(
            p ->
                apps.listNamespacedReplicaSet(namespace)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1ReplicaSet.class,
            V1ReplicaSetList.class);
    this.deployments =
        factory.sharedIndexInformerFor(
            p ->
                apps.listNamespacedDeployment(namespace)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1Deployment.class,
            V1DeploymentList.class);
    pods.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod pod) {
            podsEverSeen.add(pod.getMetadata().getName());
          }

          @Override
          public void onUpdate(V1Pod oldPod, V1Pod newPod) {
            podsEverSeen.add(newPod.getMetadata().getName());
          }

          @Override
          public void onDelete(V1Pod pod, boolean unknown) {}
        });
    factory.startAllRegisteredInformers();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> pods.hasSynced() && replicaSets.hasSynced() && deployments.hasSynced());
  }

  /** The function's Deployment as the informer shows it (null if none yet). */
  V1Deployment deployment() {
    return deployments.getIndexer().getByKey(namespace + "/" + FUNCTION);
  }

  /** The function's ReplicaSets as the informer shows them. */
  List<V1ReplicaSet> replicaSets() {
    return replicaSets.getIndexer().list();
  }

  /** The ReplicaSet of the Deployment's newest revision (highest revision annotation), or null. */
  V1ReplicaSet currentReplicaSet() {
    return replicaSets().stream()
        .filter(
            rs ->
                rs.getMetadata().getAnnotations() != null
                    && rs.getMetadata()
                        .getAnnotations()
                        .containsKey(FaasConventions.REVISION_ANNOTATION))
        .max(
            Comparator.comparingLong(
                rs ->
                    Long.parseLong(
                        rs.getMetadata()
                            .getAnnotations()
                            .get(FaasConventions.REVISION_ANNOTATION))))
        .orElse(null);
  }

  /** What the API-Server informer shows. */
  List<V1Pod> pods() {
    return pods.getIndexer().list();
  }

  /** Names of every pod the API Server ever showed in the namespace. */
  Set<String> podsEverSeen() {
    return new HashSet<>(podsEverSeen);
  }

  /** Sets the annotation {@code key} of the Deployment's pod template (a new template revision). */
  void annotateTemplate(String key, String value) throws ApiException {
    V1Patch patch =
        new V1Patch(
            "{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\""
                + key
                + "\":\""
                + value
                + "\"}}}}}");
    PatchUtils.patch(
        V1Deployment.class,
        () -> apps.patchNamespacedDeployment(FUNCTION, namespace, patch).buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
        api);
  }

  /**
   * Waits until the API Server shows the function at exactly {@code replicas}: the Deployment's
   * {@code spec.replicas} and its status (observed generation, replicas, updated, ready,
   * available); the newest ReplicaSet controlled by the Deployment with that many replicas in spec
   * and status; every older ReplicaSet at 0; exactly that many Ready pods, all controlled by the
   * newest ReplicaSet, bound to pool nodes, unique names and IPs.
   */
  void awaitExactly(int replicas, Duration timeout) {
    Set<String> pool = new HashSet<>(nodes);
    await()
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              V1Deployment d = deployment();
              assertThat(d).as("deployment").isNotNull();
              assertThat(d.getSpec().getReplicas())
                  .as("deployment spec.replicas")
                  .isEqualTo(replicas);
              V1ReplicaSet current = currentReplicaSet();
              assertThat(current).as("current ReplicaSet").isNotNull();
              assertThat(current.getMetadata().getOwnerReferences())
                  .as("owner of " + current.getMetadata().getName())
                  .extracting(V1OwnerReference::getUid, V1OwnerReference::getController)
                  .containsExactly(
                      org.assertj.core.groups.Tuple.tuple(d.getMetadata().getUid(), true));
              assertThat(
                      SliceChecks.problems(pods(), replicas, pool, current.getMetadata().getUid()))
                  .isEmpty();
              assertThat(current.getSpec().getReplicas())
                  .as("current ReplicaSet spec.replicas")
                  .isEqualTo(replicas);
              assertThat(orZero(current.getStatus().getReplicas()))
                  .as("current ReplicaSet status.replicas")
                  .isEqualTo(replicas);
              assertThat(orZero(current.getStatus().getReadyReplicas()))
                  .as("current ReplicaSet status.readyReplicas")
                  .isEqualTo(replicas);
              for (V1ReplicaSet rs : replicaSets()) {
                if (rs != current
                    && !rs.getMetadata().getUid().equals(current.getMetadata().getUid())) {
                  assertThat(rs.getSpec().getReplicas())
                      .as("old " + rs.getMetadata().getName())
                      .isZero();
                  assertThat(orZero(rs.getStatus().getReplicas()))
                      .as("old " + rs.getMetadata().getName())
                      .isZero();
                }
              }
              assertThat(d.getStatus()).as("deployment status").isNotNull();
              assertThat(d.getStatus().getObservedGeneration())
                  .as("observedGeneration")
                  .isEqualTo(d.getMetadata().getGeneration());
              assertThat(orZero(d.getStatus().getReplicas()))
                  .as("deployment status.replicas")
                  .isEqualTo(replicas);
              assertThat(orZero(d.getStatus().getUpdatedReplicas()))
                  .as("deployment status.updatedReplicas")
                  .isEqualTo(replicas);
              assertThat(orZero(d.getStatus().getReadyReplicas()))
                  .as("deployment status.readyReplicas")
                  .isEqualTo(replicas);
              assertThat(orZero(d.getStatus().getAvailableReplicas()))
                  .as("deployment status.availableReplicas")
                  .isEqualTo(replicas);
            });
  }

  private static int orZero(Integer v) {
    return v == null ? 0 : v;
  }

  @Override
  public void close() throws ApiException {
    factory.stopAllRegisteredInformers();
    ignoreNotFound(() -> apps.deleteNamespacedDeployment(FUNCTION, namespace).execute());
    for (V1ReplicaSet rs : apps.listNamespacedReplicaSet(namespace).execute().getItems()) {
      ignoreNotFound(
          () -> apps.deleteNamespacedReplicaSet(rs.getMetadata().getName(), namespace).execute());
    }
    for (V1Pod p : core.listNamespacedPod(namespace).execute().getItems()) {
      ignoreNotFound(
          () ->
              core.deleteNamespacedPod(p.getMetadata().getName(), namespace)
                  .gracePeriodSeconds(0)
                  .execute());
    }
    for (String n : nodes) {
      ignoreNotFound(() -> core.deleteNode(n).execute());
    }
  }

  private interface ApiCall {
    Object run() throws ApiException;
  }

  private static void ignoreNotFound(ApiCall call) throws ApiException {
    try {
      call.run();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
    }
  }
}
