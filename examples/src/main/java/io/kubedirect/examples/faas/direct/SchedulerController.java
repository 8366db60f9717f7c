package io.kubedirect.examples.faas.direct;

import static io.kubedirect.examples.faas.common.FaasConventions.POOL_SELECTOR;
import static io.kubedirect.examples.faas.common.FaasConventions.SCHEDULER_NAME;

import io.kubedirect.api.DirectStage;
import io.kubedirect.examples.faas.common.NodeChooser;
import io.kubedirect.examples.faas.common.PodTemplates;
import io.kubedirect.examples.faas.common.Pods;
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
import io.kubedirect.runtime.KubeDirect;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A scheduler for pods with {@code schedulerName: kubedirect-example-scheduler}: it places each unbound pod on
 * the Ready pool Node ({@code faas.kubedirect.io/pool=example}) with the fewest pods, counting its own
 * in-flight placements ("assumed" pods, like kube-scheduler), and sends it with nodeName set straight to the
 * sandbox manager of that node (kubedirect retrofit: no Binding through the API Server).
 */
@DirectStage(name = "scheduler", upstream = "replicaset", downstream = "sandbox-manager",
    receives = V1Pod.class, emits = V1Pod.class)
public final class SchedulerController implements SliceStage, Reconciler {

  private static final Logger log = LoggerFactory.getLogger(SchedulerController.class);
  private static final String NODE_INDEX = "node";

  private final ApiClient apiClient;
  private final CoreV1Api coreApi;
  private final int workers;
  private final DirectLinks links;
  private KubeDirect kd;
  private DirectWriter<V1Pod> pods;

  private final Map<String, String> assumed = new ConcurrentHashMap<>();
  private Lister<V1Pod> podLister;
  private Indexer<V1Pod> podIndexer;
  private Lister<V1Node> nodeLister;
  private LeaderRunner runner;
  private BooleanSupplier synced = () -> false;

  /** A scheduler using {@code apiClient} (read timeout 0) with {@code workers} bind workers. */
  public SchedulerController(ApiClient apiClient, DirectLinks links, int workers) {
    this.links = Objects.requireNonNull(links, "links");
    this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1");
    }
    this.coreApi = new CoreV1Api(apiClient);
    this.workers = workers;
  }

  /** A scheduler with 16 bind workers. */
  public SchedulerController(ApiClient apiClient, DirectLinks links) {
    this(apiClient, links, 16);
  }

  @Override
  public synchronized void start() {
    if (runner != null) {
      return;
    }
    assumed.clear();
    kd = links.stage(DirectLinks.SCHEDULER, SchedulerController.class, apiClient).listen(links.scheduler()).build();
    SharedInformerFactory factory = kd.informerFactory();
    pods = kd.writer(V1Pod.class);
    SharedIndexInformer<V1Pod> podInformer = factory.sharedIndexInformerFor(
        p -> coreApi.listPodForAllNamespaces()
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Pod.class, V1PodList.class);
    SharedIndexInformer<V1Node> nodeInformer = factory.sharedIndexInformerFor(
        p -> coreApi.listNode().labelSelector(POOL_SELECTOR)
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Node.class, V1NodeList.class);
    podInformer.addIndexers(Map.of(NODE_INDEX,
        pod -> Pods.nodeName(pod) == null ? List.of() : List.of(Pods.nodeName(pod))));
    podLister = new Lister<>(podInformer.getIndexer());
    podIndexer = podInformer.getIndexer();
    nodeLister = new Lister<>(nodeInformer.getIndexer());
    synced = () -> podInformer.hasSynced() && nodeInformer.hasSynced();
    runner = LeaderRunner.start(kd, factory, buildController(factory, podInformer, nodeInformer), "scheduler", this);
    log.info("scheduler started");
  }

  private Controller buildController(SharedInformerFactory factory,
      SharedIndexInformer<V1Pod> podInformer, SharedIndexInformer<V1Node> nodeInformer) {
    return ControllerBuilder.defaultBuilder(factory)
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1Pod.class, q)
            .withOnAddFilter(SchedulerController::needsScheduling)
            .withOnUpdateFilter((o, n) -> needsScheduling(n))
            .withOnDeleteFilter((p, unknown) -> false)
            .withResyncPeriod(Duration.ZERO).build())
        .withReconciler(this)
        .withName("example-scheduler")
        .withWorkerCount(workers)
        .withReadyFunc(() -> podInformer.hasSynced() && nodeInformer.hasSynced())
        .build();
  }

  /** True for an active, unbound pod that names the example scheduler. */
  static boolean needsScheduling(V1Pod pod) {
    return pod.getSpec() != null
        && SCHEDULER_NAME.equals(pod.getSpec().getSchedulerName())
        && pod.getSpec().getNodeName() == null
        && Pods.isActive(pod);
  }

  @Override
  public synchronized void stop() {
    if (runner == null) {
      return;
    }
    runner.stop();
    kd.close();
    runner = null;
    assumed.clear();
    log.info("scheduler stopped");
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
    StageTimes.handled("scheduler", request.getNamespace(), request.getName());
    String key = request.getNamespace() + "/" + request.getName();
    V1Pod pod = podLister.namespace(request.getNamespace()).get(request.getName());
    log.debug("reconcile {}: {}", key, pod == null ? "gone" : Pods.nodeName(pod));
    if (pod == null || !needsScheduling(pod)) {
      assumed.remove(key);
      return new Result(false);
    }
    if (assumed.containsKey(key)) {
      return new Result(false); // already placed; the informer has not caught up yet
    }
    Optional<String> node = assume(key);
    if (node.isEmpty()) {
      log.debug("no eligible node for {}, retrying", key);
      return new Result(true, Duration.ofSeconds(1));
    }
    if (!bind(pod, node.get())) {
      assumed.remove(key);
      return new Result(true);
    }
    return new Result(false);
  }

  /** Chooses a node for {@code podKey} and records the placement before anyone else can choose. */
  private synchronized Optional<String> assume(String podKey) {
    Map<String, Integer> load = new HashMap<>();
    for (V1Node n : nodeLister.list()) {
      String name = n.getMetadata().getName();
      int count = (int) podIndexer.byIndex(NODE_INDEX, name).stream().filter(Pods::isActive).count();
      load.put(name, count);
    }
    assumed.entrySet().removeIf(e -> {
      V1Pod p = podIndexer.getByKey(e.getKey());
      return p == null || Pods.nodeName(p) != null; // gone, or the informer shows the binding now
    });
    assumed.values().forEach(n -> load.merge(n, 1, Integer::sum));
    Optional<String> node = NodeChooser.choose(nodeLister.list(), load);
    node.ifPresent(n -> assumed.put(podKey, n));
    return node;
  }

  /** Sends the pod with {@code spec.nodeName} set to the sandbox manager of that node; true on success. */
  private boolean bind(V1Pod pod, String node) {
    V1Pod bound = PodTemplates.deepCopy(pod, V1Pod.class);
    bound.getSpec().setNodeName(node);
    try {
      pods.update(bound).join();
      return true;
    } catch (CompletionException e) {
      log.warn("bind {} -> {} failed: {}", pod.getMetadata().getName(), node, e.getCause().toString());
      return false;
    }
  }
}
