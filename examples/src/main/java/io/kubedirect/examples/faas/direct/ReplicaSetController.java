package io.kubedirect.examples.faas.direct;

import static io.kubedirect.examples.faas.common.FaasConventions.BURST_REPLICAS;
import static io.kubedirect.examples.faas.common.FaasConventions.CONTROLLER_SELECTOR;
import static io.kubedirect.examples.faas.common.FaasConventions.SCHEDULER_NAME;

import io.kubedirect.api.DirectStage;
import io.kubedirect.examples.faas.common.PodExpectations;
import io.kubedirect.examples.faas.common.PodNamer;
import io.kubedirect.examples.faas.common.PodTemplates;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.ScaleDownOrder;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.common.StageTimes;
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
import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.runtime.KubeDirect;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import io.kubernetes.client.openapi.models.V1ReplicaSetStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A ReplicaSet-like producer: for every {@code apps/v1} ReplicaSet labelled
 * {@code faas.kubedirect.io/controller=example} it keeps exactly {@code spec.replicas} active pods, created from
 * the template with unique names, a controlling ownerReference and {@code schedulerName:
 * kubedirect-example-scheduler}, in slow-start batches (1, 2, 4, ...) of parallel creates; it deletes extras on
 * scale-down and maintains {@code status.replicas}/{@code readyReplicas}.
 */
@DirectStage(name = "replicaset", upstream = "deployment", downstream = "scheduler", receives = V1ReplicaSet.class,
    emits = V1Pod.class)
public final class ReplicaSetController implements SliceStage, Reconciler {

  private static final Logger log = LoggerFactory.getLogger(ReplicaSetController.class);
  private static final String OWNER_INDEX = "controller-uid";
  /** Retrofit: the ReplicaSets' desired replicas come from the deployment stage; written back within this window. */
  private static final Duration LAZY = Duration.ofMillis(500);

  private final ApiClient apiClient;
  private final CoreV1Api coreApi;
  private final AppsV1Api appsApi;
  private final int workers;
  private final int writeParallelism;
  private final PodNamer namer = new PodNamer();
  private final DirectLinks links;
  private KubeDirect kd;
  private DirectWriter<V1Pod> pods;

  private PodExpectations expectations;
  private ExecutorService writePool;
  private Lister<V1ReplicaSet> rsLister;
  private Indexer<V1Pod> podIndexer;
  private LeaderRunner runner;
  private BooleanSupplier synced = () -> false;

  /**
   * A controller using {@code apiClient} (its read timeout must be 0, as client-java informers require) with
   * {@code workers} reconcile workers and up to {@code writeParallelism} API writes in flight.
   */
  public ReplicaSetController(ApiClient apiClient, DirectLinks links, int workers, int writeParallelism) {
    this.links = Objects.requireNonNull(links, "links");
    this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
    if (workers < 1 || writeParallelism < 1) {
      throw new IllegalArgumentException("workers and writeParallelism must be >= 1");
    }
    this.coreApi = new CoreV1Api(apiClient);
    this.appsApi = new AppsV1Api(apiClient);
    this.workers = workers;
    this.writeParallelism = writeParallelism;
  }

  /** A controller with 8 workers and 32 writes in flight. */
  public ReplicaSetController(ApiClient apiClient, DirectLinks links) {
    this(apiClient, links, 8, 32);
  }

  @Override
  public synchronized void start() {
    if (runner != null) {
      return;
    }
    expectations = new PodExpectations();
    writePool = Executors.newFixedThreadPool(writeParallelism, r -> {
      Thread t = new Thread(r, "replicaset-writer");
      t.setDaemon(true);
      return t;
    });
    kd = links.stage(DirectLinks.REPLICASET, ReplicaSetController.class, apiClient)
        .listen(links.listenAddress(DirectLinks.REPLICASET)).writeBack(V1ReplicaSet.class, WriteBackPolicy.lazy(LAZY))
        .build();
    SharedInformerFactory factory = kd.informerFactory();
    pods = kd.writer(V1Pod.class);
    SharedIndexInformer<V1ReplicaSet> rsInformer = factory.sharedIndexInformerFor(
        p -> appsApi.listReplicaSetForAllNamespaces().labelSelector(CONTROLLER_SELECTOR)
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1ReplicaSet.class, V1ReplicaSetList.class);
    SharedIndexInformer<V1Pod> podInformer = factory.sharedIndexInformerFor(
        p -> coreApi.listPodForAllNamespaces()
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Pod.class, V1PodList.class);
    podInformer.addIndexers(Map.of(OWNER_INDEX,
        pod -> Pods.controllerOf(pod).map(r -> List.of(r.getUid())).orElse(List.of())));
    rsLister = new Lister<>(rsInformer.getIndexer());
    podIndexer = podInformer.getIndexer();
    synced = () -> rsInformer.hasSynced() && podInformer.hasSynced();
    runner = LeaderRunner.start(kd, factory, buildController(factory, rsInformer, podInformer), "replicaset", this);
    log.info("replicaset controller started");
  }

  private Controller buildController(SharedInformerFactory factory,
      SharedIndexInformer<V1ReplicaSet> rsInformer, SharedIndexInformer<V1Pod> podInformer) {
    return ControllerBuilder.defaultBuilder(factory)
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1ReplicaSet.class, q)
            .withResyncPeriod(Duration.ZERO).build())
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1Pod.class, q)
            .withOnAddFilter(ReplicaSetController::ownedByReplicaSet)
            .withOnUpdateFilter((o, n) -> ownedByReplicaSet(n))
            .withOnDeleteFilter((p, unknown) -> ownedByReplicaSet(p))
            .withWorkQueueKeyFunc(p -> new Request(p.getMetadata().getNamespace(),
                Pods.controllerOf(p).orElseThrow().getName()))
            .withResyncPeriod(Duration.ZERO).build())
        .withReconciler(this)
        .withName("example-replicaset")
        .withWorkerCount(workers)
        .withReadyFunc(() -> rsInformer.hasSynced() && podInformer.hasSynced())
        .build();
  }

  private static boolean ownedByReplicaSet(V1Pod pod) {
    return Pods.controllerOf(pod).filter(r -> "ReplicaSet".equals(r.getKind())).isPresent();
  }

  @Override
  public synchronized void stop() {
    if (runner == null) {
      return;
    }
    runner.stop();
    kd.close();
    writePool.shutdownNow();
    runner = null;
    log.info("replicaset controller stopped");
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
    StageTimes.handled("replicaset", request.getNamespace(), request.getName());
    String key = request.getNamespace() + "/" + request.getName();
    V1ReplicaSet rs = rsLister.namespace(request.getNamespace()).get(request.getName());
    if (rs == null || rs.getMetadata().getDeletionTimestamp() != null) {
      expectations.forget(key);
      return new Result(false);
    }
    List<V1Pod> owned = podIndexer.byIndex(OWNER_INDEX, rs.getMetadata().getUid());
    List<V1Pod> active = owned.stream().filter(Pods::isActive).collect(Collectors.toList());
    Set<String> effective = expectations.effective(key, names(owned), names(active));
    int want = rs.getSpec().getReplicas() == null ? 1 : rs.getSpec().getReplicas();
    int diff = want - effective.size();
    boolean ok = true;
    if (diff > 0) {
      ok = createPods(rs, key, Math.min(diff, BURST_REPLICAS));
    } else if (diff < 0) {
      List<V1Pod> candidates = active.stream()
          .filter(p -> effective.contains(p.getMetadata().getName())).collect(Collectors.toList());
      ok = deletePods(key, ScaleDownOrder.victims(candidates, Math.min(-diff, BURST_REPLICAS)));
    }
    ok &= updateStatus(rs, active);
    return new Result(!ok || Math.abs(diff) > BURST_REPLICAS);
  }

  /** Creates {@code count} pods in slow-start batches; false if any create failed. */
  private boolean createPods(V1ReplicaSet rs, String key, int count) {
    String ns = rs.getMetadata().getNamespace();
    int remaining = count;
    for (int batch = 1; remaining > 0; batch *= 2) {
      int n = Math.min(batch, remaining);
      List<CompletableFuture<Boolean>> results = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String name = namer.next(rs.getMetadata().getName(),
            c -> expectations.isPendingCreate(c) || podIndexer.getByKey(ns + "/" + c) != null);
        V1Pod pod = PodTemplates.podFor(rs, name, SCHEDULER_NAME);
        expectations.expectCreate(key, name);
        results.add(CompletableFuture.supplyAsync(() -> createPod(key, pod), writePool));
      }
      remaining -= n;
      if (!results.stream().allMatch(CompletableFuture::join)) {
        return false;
      }
    }
    return true;
  }

  private boolean createPod(String key, V1Pod pod) {
    try {
      pods.create(pod).join();
      return true;
    } catch (CompletionException e) {
      expectations.createFailed(key, pod.getMetadata().getName());
      log.warn("create pod {} failed: {}", pod.getMetadata().getName(), e.getCause().toString());
      return false;
    }
  }

  private boolean deletePods(String key, List<V1Pod> victims) {
    List<CompletableFuture<Boolean>> results = new ArrayList<>(victims.size());
    for (V1Pod pod : victims) {
      expectations.expectDelete(key, pod.getMetadata().getName());
      results.add(CompletableFuture.supplyAsync(() -> deletePod(key, pod), writePool));
    }
    return results.stream().allMatch(CompletableFuture::join);
  }

  private boolean deletePod(String key, V1Pod pod) {
    try {
      pods.delete(pod).join();
      return true;
    } catch (CompletionException e) {
      expectations.deleteFailed(key, pod.getMetadata().getName());
      log.warn("delete pod {} failed: {}", pod.getMetadata().getName(), e.getCause().toString());
      return false;
    }
  }

  /** Writes status.replicas/readyReplicas/availableReplicas if they changed; false on a conflict or error. */
  private boolean updateStatus(V1ReplicaSet rs, List<V1Pod> active) {
    int ready = (int) active.stream().filter(Pods::isReady).count();
    V1ReplicaSetStatus status = new V1ReplicaSetStatus()
        .replicas(active.size())
        .fullyLabeledReplicas((int) active.stream().filter(p -> PodTemplates.matchesSelector(rs, p)).count())
        .readyReplicas(ready)
        .availableReplicas(ready)
        .observedGeneration(rs.getMetadata().getGeneration());
    V1ReplicaSetStatus old = rs.getStatus();
    if (old != null && Objects.equals(old.getReplicas(), status.getReplicas())
        && Objects.equals(orZero(old.getReadyReplicas()), status.getReadyReplicas())
        && Objects.equals(orZero(old.getAvailableReplicas()), status.getAvailableReplicas())
        && Objects.equals(orZero(old.getFullyLabeledReplicas()), status.getFullyLabeledReplicas())
        && Objects.equals(old.getObservedGeneration(), status.getObservedGeneration())) {
      return true;
    }
    V1ReplicaSet copy = PodTemplates.deepCopy(rs, V1ReplicaSet.class);
    copy.setStatus(status);
    try {
      appsApi.replaceNamespacedReplicaSetStatus(rs.getMetadata().getName(), rs.getMetadata().getNamespace(), copy)
          .execute();
      return true;
    } catch (ApiException e) {
      if (e.getCode() != 409) {
        log.warn("status update of {} failed: {} {}", rs.getMetadata().getName(), e.getCode(), e.getResponseBody());
      }
      return false;
    }
  }

  private static Integer orZero(Integer v) {
    return v == null ? 0 : v;
  }

  private static Set<String> names(List<V1Pod> pods) {
    return pods.stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }
}
