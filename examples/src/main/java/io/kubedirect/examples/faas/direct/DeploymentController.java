package io.kubedirect.examples.faas.direct;

import static io.kubedirect.examples.faas.common.FaasConventions.CONTROLLER_LABEL;
import static io.kubedirect.examples.faas.common.FaasConventions.CONTROLLER_SELECTOR;
import static io.kubedirect.examples.faas.common.FaasConventions.CONTROLLER_VALUE;
import static io.kubedirect.examples.faas.common.FaasConventions.POD_TEMPLATE_HASH_LABEL;
import static io.kubedirect.examples.faas.common.FaasConventions.REVISION_ANNOTATION;

import io.kubedirect.api.DirectStage;
import io.kubedirect.examples.faas.common.DeploymentRollout;
import io.kubedirect.examples.faas.common.PodTemplateHash;
import io.kubedirect.examples.faas.common.PodTemplates;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.common.StageTimes;
import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.runtime.KubeDirect;
import io.kubernetes.client.extended.controller.Controller;
import io.kubernetes.client.extended.controller.builder.ControllerBuilder;
import io.kubernetes.client.extended.controller.reconciler.Reconciler;
import io.kubernetes.client.extended.controller.reconciler.Request;
import io.kubernetes.client.extended.controller.reconciler.Result;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.informer.cache.Indexer;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1DeploymentStatus;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Deployment controller for {@code apps/v1} Deployments labelled {@code faas.kubedirect.io/controller=example}:
 * one ReplicaSet per pod-template revision, named {@code <deployment>-<pod-template-hash>}, with the hash label on
 * its labels, selector and template, a controlling ownerReference, the revision annotation and the controller
 * label (so the example ReplicaSet controller takes it). It splits {@code spec.replicas} over the current and the
 * old ReplicaSets as {@link DeploymentRollout} plans ({@code RollingUpdate}: the new ReplicaSet at once, old pods
 * only while the new ones are not Ready; {@code Recreate}), deletes empty old ReplicaSets beyond
 * {@code revisionHistoryLimit}, and writes the Deployment status as the stock controller does ({@code replicas},
 * {@code updatedReplicas}, {@code readyReplicas}, {@code availableReplicas}, {@code unavailableReplicas},
 * {@code observedGeneration}, {@code collisionCount}).
 * <p>Retrofit: Deployments' desired {@code spec.replicas} come from the autoscaler over a link (this stage writes
 * them back lazily); ReplicaSets' go to the replicaset stage. A new revision's ReplicaSet is created through the
 * API Server, so that it has a uid before any pod names it as owner.
 */
@DirectStage(name = "deployment", upstream = "autoscaler", downstream = "replicaset", receives = V1Deployment.class,
    emits = V1ReplicaSet.class)
public final class DeploymentController implements SliceStage, Reconciler {

  private static final Logger log = LoggerFactory.getLogger(DeploymentController.class);
  private static final String OWNER_INDEX = "controller-uid";
  private static final int DEFAULT_HISTORY_LIMIT = 10;
  private static final Duration LAZY = Duration.ofMillis(500);

  private final ApiClient apiClient;
  private final DirectLinks links;
  private KubeDirect kd;
  private DirectWriter<V1ReplicaSet> replicaSets;
  private final AppsV1Api appsApi;
  private final int workers;

  private Lister<V1Deployment> deploymentLister;
  private Indexer<V1ReplicaSet> rsIndexer;
  private LeaderRunner runner;
  private BooleanSupplier synced = () -> false;

  /** A controller using {@code apiClient} (read timeout 0) with {@code workers} reconcile workers. */
  public DeploymentController(ApiClient apiClient, DirectLinks links, int workers) {
    this.links = Objects.requireNonNull(links, "links");
    this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1");
    }
    this.appsApi = new AppsV1Api(apiClient);
    this.workers = workers;
  }

  /** A controller with 8 workers. */
  public DeploymentController(ApiClient apiClient, DirectLinks links) {
    this(apiClient, links, 8);
  }

  @Override
  public synchronized void start() {
    if (runner != null) {
      return;
    }
    kd = links.stage(DirectLinks.DEPLOYMENT, DeploymentController.class, apiClient)
        .listen(links.listenAddress(DirectLinks.DEPLOYMENT)).writeBack(V1Deployment.class, WriteBackPolicy.lazy(LAZY))
        .build();
    SharedInformerFactory factory = kd.informerFactory();
    replicaSets = kd.writer(V1ReplicaSet.class);
    SharedIndexInformer<V1Deployment> deploymentInformer = factory.sharedIndexInformerFor(
        p -> appsApi.listDeploymentForAllNamespaces().labelSelector(CONTROLLER_SELECTOR)
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Deployment.class, V1DeploymentList.class);
    SharedIndexInformer<V1ReplicaSet> rsInformer = factory.sharedIndexInformerFor(
        p -> appsApi.listReplicaSetForAllNamespaces().labelSelector(CONTROLLER_SELECTOR)
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1ReplicaSet.class, V1ReplicaSetList.class);
    rsInformer.addIndexers(Map.of(OWNER_INDEX,
        rs -> deploymentOf(rs).map(r -> List.of(r.getUid())).orElse(List.of())));
    deploymentLister = new Lister<>(deploymentInformer.getIndexer());
    rsIndexer = rsInformer.getIndexer();
    synced = () -> deploymentInformer.hasSynced() && rsInformer.hasSynced();
    runner = LeaderRunner.start(kd, factory, buildController(factory, deploymentInformer, rsInformer), "deployment",
        this);
    log.info("deployment controller started");
  }

  private Controller buildController(SharedInformerFactory factory,
      SharedIndexInformer<V1Deployment> deploymentInformer, SharedIndexInformer<V1ReplicaSet> rsInformer) {
    return ControllerBuilder.defaultBuilder(factory)
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1Deployment.class, q)
            .withResyncPeriod(Duration.ZERO).build())
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1ReplicaSet.class, q)
            .withOnAddFilter(rs -> deploymentOf(rs).isPresent())
            .withOnUpdateFilter((o, n) -> deploymentOf(n).isPresent())
            .withOnDeleteFilter((rs, unknown) -> deploymentOf(rs).isPresent())
            .withWorkQueueKeyFunc(rs -> new Request(rs.getMetadata().getNamespace(),
                deploymentOf(rs).orElseThrow().getName()))
            .withResyncPeriod(Duration.ZERO).build())
        .withReconciler(this)
        .withName("example-deployment")
        .withWorkerCount(workers)
        .withReadyFunc(() -> deploymentInformer.hasSynced() && rsInformer.hasSynced())
        .build();
  }

  private static Optional<V1OwnerReference> deploymentOf(V1ReplicaSet rs) {
    List<V1OwnerReference> refs = rs.getMetadata() == null ? null : rs.getMetadata().getOwnerReferences();
    if (refs == null) {
      return Optional.empty();
    }
    return refs.stream().filter(r -> Boolean.TRUE.equals(r.getController()) && "Deployment".equals(r.getKind()))
        .findFirst();
  }

  @Override
  public synchronized void stop() {
    if (runner == null) {
      return;
    }
    runner.stop();
    kd.close();
    runner = null;
    log.info("deployment controller stopped");
  }

  @Override
  public synchronized boolean isRunning() {
    return runner != null;
  }

  @Override
  public synchronized boolean hasSynced() {
    return runner != null && runner.synced(synced);
  }

  @Override
  public synchronized boolean isLeader() {
    return runner != null && runner.isLeader();
  }

  @Override
  public Result reconcile(Request request) {
    StageTimes.handled("deployment", request.getNamespace(), request.getName());
    V1Deployment d = deploymentLister.namespace(request.getNamespace()).get(request.getName());
    if (d == null || d.getMetadata().getDeletionTimestamp() != null || d.getSpec() == null) {
      return new Result(false);
    }
    List<V1ReplicaSet> owned = new ArrayList<>();
    for (V1ReplicaSet rs : rsIndexer.byIndex(OWNER_INDEX, d.getMetadata().getUid())) {
      if (rs.getMetadata().getDeletionTimestamp() == null) {
        owned.add(rs);
      }
    }
    Integer collisions = d.getStatus() == null ? null : d.getStatus().getCollisionCount();
    String hash = PodTemplateHash.of(d.getSpec().getTemplate(), collisions);
    V1ReplicaSet current = owned.stream().filter(rs -> hash.equals(labels(rs).get(POD_TEMPLATE_HASH_LABEL)))
        .findFirst().orElse(null);
    List<V1ReplicaSet> old = new ArrayList<>(owned);
    old.remove(current);

    int desired = d.getSpec().getReplicas() == null ? 1 : d.getSpec().getReplicas();
    DeploymentRollout.Strategy strategy =
        DeploymentRollout.Strategy.of(d.getSpec().getStrategy() == null ? null : d.getSpec().getStrategy().getType());
    DeploymentRollout.ReplicaSetState currentState = current == null
        ? new DeploymentRollout.ReplicaSetState(d.getMetadata().getName() + "-" + hash, 0, 0, 0, Long.MAX_VALUE)
        : state(current);
    DeploymentRollout.Plan plan = DeploymentRollout.plan(strategy, desired, currentState,
        old.stream().map(DeploymentController::state).toList());

    boolean ok = true;
    if (current == null) {
      Optional<V1ReplicaSet> created = createReplicaSet(d, hash, plan.newReplicas(), old);
      if (created.isEmpty()) {
        return new Result(true);
      }
      current = created.get();
    } else if (replicas(current) != plan.newReplicas()) {
      ok = scale(current, plan.newReplicas());
    }
    for (int i = 0; i < old.size(); i++) {
      if (replicas(old.get(i)) != plan.oldReplicas().get(i)) {
        ok &= scale(old.get(i), plan.oldReplicas().get(i));
      }
    }
    ok &= deleteOldHistory(d, old, plan);
    ok &= updateStatus(d, current, old, plan);
    return new Result(!ok);
  }

  /** Creates the ReplicaSet of the current template; empty if it could not (retry later). */
  private Optional<V1ReplicaSet> createReplicaSet(V1Deployment d, String hash, int replicas, List<V1ReplicaSet> old) {
    String ns = d.getMetadata().getNamespace();
    V1PodTemplateSpec template = PodTemplates.deepCopy(d.getSpec().getTemplate(), V1PodTemplateSpec.class);
    if (template.getMetadata() == null) {
      template.setMetadata(new V1ObjectMeta());
    }
    Map<String, String> podLabels = new HashMap<>(labels(template.getMetadata()));
    podLabels.put(POD_TEMPLATE_HASH_LABEL, hash);
    template.getMetadata().setLabels(podLabels);
    PodTemplates.forCreate(template.getSpec());
    Map<String, String> rsLabels = new HashMap<>(podLabels);
    rsLabels.put(CONTROLLER_LABEL, CONTROLLER_VALUE);
    V1LabelSelector selector = PodTemplates.deepCopy(d.getSpec().getSelector(), V1LabelSelector.class);
    Map<String, String> match = new HashMap<>(selector.getMatchLabels() == null ? Map.of() : selector.getMatchLabels());
    match.put(POD_TEMPLATE_HASH_LABEL, hash);
    selector.setMatchLabels(match);
    long revision = old.stream().mapToLong(DeploymentController::revision).max().orElse(0) + 1;
    V1ReplicaSet rs = new V1ReplicaSet().apiVersion("apps/v1").kind("ReplicaSet")
        .metadata(new V1ObjectMeta()
            .name(d.getMetadata().getName() + "-" + hash)
            .namespace(ns)
            .labels(rsLabels)
            .annotations(Map.of(REVISION_ANNOTATION, Long.toString(revision)))
            .ownerReferences(List.of(new V1OwnerReference().apiVersion("apps/v1").kind("Deployment")
                .name(d.getMetadata().getName()).uid(d.getMetadata().getUid())
                .controller(true).blockOwnerDeletion(true))))
        .spec(new V1ReplicaSetSpec()
            .replicas(replicas)
            .minReadySeconds(d.getSpec().getMinReadySeconds())
            .selector(selector)
            .template(template));
    try {
      V1ReplicaSet created = appsApi.createNamespacedReplicaSet(ns, rs).execute();
      log.debug("created {}/{} (revision {}, {} replicas)", ns, rs.getMetadata().getName(), revision, replicas);
      return Optional.of(created);
    } catch (ApiException e) {
      if (e.getCode() == 409) {
        handleNameCollision(d, rs.getMetadata().getName());
      } else {
        log.warn("create of ReplicaSet {} failed: {} {}", rs.getMetadata().getName(), e.getCode(), e.getResponseBody());
      }
      return Optional.empty();
    }
  }

  /**
   * The name {@code <deployment>-<hash>} is taken. If by a ReplicaSet of this Deployment, the informer lags and the
   * retry finds it; otherwise counts a collision in the status, which changes the hash (as the stock controller).
   */
  private void handleNameCollision(V1Deployment d, String name) {
    try {
      V1ReplicaSet existing = appsApi.readNamespacedReplicaSet(name, d.getMetadata().getNamespace()).execute();
      boolean ours = deploymentOf(existing).map(r -> d.getMetadata().getUid().equals(r.getUid())).orElse(false);
      if (ours) {
        return;
      }
      V1Deployment copy = PodTemplates.deepCopy(d, V1Deployment.class);
      V1DeploymentStatus status = copy.getStatus() == null ? new V1DeploymentStatus() : copy.getStatus();
      status.setCollisionCount((status.getCollisionCount() == null ? 0 : status.getCollisionCount()) + 1);
      copy.setStatus(status);
      appsApi.replaceNamespacedDeploymentStatus(d.getMetadata().getName(), d.getMetadata().getNamespace(), copy)
          .execute();
      log.info("ReplicaSet name {} is taken; collision count of {} is now {}", name, d.getMetadata().getName(),
          status.getCollisionCount());
    } catch (ApiException e) {
      if (e.getCode() != 409 && e.getCode() != 404) {
        log.warn("collision handling for {} failed: {} {}", name, e.getCode(), e.getResponseBody());
      }
    }
  }

  /** Sends {@code rs} with {@code replicas} to the replicaset stage; false on failure. */
  private boolean scale(V1ReplicaSet rs, int replicas) {
    V1ReplicaSet scaled = PodTemplates.deepCopy(rs, V1ReplicaSet.class);
    scaled.getSpec().setReplicas(replicas);
    try {
      replicaSets.update(scaled).join();
      return true;
    } catch (CompletionException e) {
      log.warn("scale of ReplicaSet {} failed: {}", rs.getMetadata().getName(), e.getCause().toString());
      return false;
    }
  }

  /** Deletes the oldest empty old ReplicaSets beyond {@code revisionHistoryLimit}; false on failure. */
  private boolean deleteOldHistory(V1Deployment d, List<V1ReplicaSet> old, DeploymentRollout.Plan plan) {
    int limit = d.getSpec().getRevisionHistoryLimit() == null
        ? DEFAULT_HISTORY_LIMIT : d.getSpec().getRevisionHistoryLimit();
    List<V1ReplicaSet> empty = new ArrayList<>();
    for (int i = 0; i < old.size(); i++) {
      V1ReplicaSet rs = old.get(i);
      if (plan.oldReplicas().get(i) == 0 && replicas(rs) == 0 && actual(rs) == 0) {
        empty.add(rs);
      }
    }
    if (empty.size() <= limit) {
      return true;
    }
    empty.sort(Comparator.comparingLong(DeploymentController::revision));
    boolean ok = true;
    for (V1ReplicaSet rs : empty.subList(0, empty.size() - limit)) {
      try {
        appsApi.deleteNamespacedReplicaSet(rs.getMetadata().getName(), rs.getMetadata().getNamespace()).execute();
      } catch (ApiException e) {
        if (e.getCode() != 404) {
          log.warn("delete of old ReplicaSet {} failed: {}", rs.getMetadata().getName(), e.getCode());
          ok = false;
        }
      }
    }
    return ok;
  }

  /** Writes the status computed from the ReplicaSets if it changed; false on a conflict or error. */
  private boolean updateStatus(V1Deployment d, V1ReplicaSet current, List<V1ReplicaSet> old,
      DeploymentRollout.Plan plan) {
    int actual = actual(current);
    int ready = ready(current);
    int available = available(current);
    int wanted = plan.newReplicas();
    for (int i = 0; i < old.size(); i++) {
      actual += actual(old.get(i));
      ready += ready(old.get(i));
      available += available(old.get(i));
      wanted += plan.oldReplicas().get(i);
    }
    V1DeploymentStatus old0 = d.getStatus() == null ? new V1DeploymentStatus() : d.getStatus();
    V1DeploymentStatus status = new V1DeploymentStatus()
        .observedGeneration(d.getMetadata().getGeneration())
        .replicas(actual)
        .updatedReplicas(actual(current))
        .readyReplicas(ready)
        .availableReplicas(available)
        .unavailableReplicas(Math.max(0, wanted - available))
        .collisionCount(old0.getCollisionCount())
        .conditions(old0.getConditions());
    if (Objects.equals(old0.getObservedGeneration(), status.getObservedGeneration())
        && orZero(old0.getReplicas()) == actual
        && orZero(old0.getUpdatedReplicas()) == orZero(status.getUpdatedReplicas())
        && orZero(old0.getReadyReplicas()) == ready
        && orZero(old0.getAvailableReplicas()) == available
        && orZero(old0.getUnavailableReplicas()) == orZero(status.getUnavailableReplicas())) {
      return true;
    }
    V1Deployment copy = PodTemplates.deepCopy(d, V1Deployment.class);
    copy.setStatus(status);
    try {
      appsApi.replaceNamespacedDeploymentStatus(d.getMetadata().getName(), d.getMetadata().getNamespace(), copy)
          .execute();
      return true;
    } catch (ApiException e) {
      if (e.getCode() != 409) {
        log.warn("status update of {} failed: {} {}", d.getMetadata().getName(), e.getCode(), e.getResponseBody());
      }
      return false;
    }
  }

  private static DeploymentRollout.ReplicaSetState state(V1ReplicaSet rs) {
    long created = rs.getMetadata().getCreationTimestamp() == null
        ? Long.MAX_VALUE : rs.getMetadata().getCreationTimestamp().toInstant().toEpochMilli();
    return new DeploymentRollout.ReplicaSetState(rs.getMetadata().getName(), replicas(rs), actual(rs), ready(rs),
        created);
  }

  private static int replicas(V1ReplicaSet rs) {
    return rs.getSpec() == null || rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
  }

  private static int actual(V1ReplicaSet rs) {
    return rs.getStatus() == null ? 0 : orZero(rs.getStatus().getReplicas());
  }

  private static int ready(V1ReplicaSet rs) {
    return rs.getStatus() == null ? 0 : orZero(rs.getStatus().getReadyReplicas());
  }

  private static int available(V1ReplicaSet rs) {
    return rs.getStatus() == null ? 0 : orZero(rs.getStatus().getAvailableReplicas());
  }

  private static long revision(V1ReplicaSet rs) {
    Map<String, String> a = rs.getMetadata().getAnnotations();
    try {
      return a == null || a.get(REVISION_ANNOTATION) == null ? 0 : Long.parseLong(a.get(REVISION_ANNOTATION));
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static Map<String, String> labels(V1ReplicaSet rs) {
    return labels(rs.getMetadata());
  }

  private static Map<String, String> labels(V1ObjectMeta meta) {
    return meta == null || meta.getLabels() == null ? Map.of() : meta.getLabels();
  }

  private static int orZero(Integer v) {
    return v == null ? 0 : v;
  }
}
