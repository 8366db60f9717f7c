package io.kubedirect.examples.faas.direct;

import static io.kubedirect.examples.faas.common.FaasConventions.FUNCTION_LABEL;

import io.kubedirect.api.DirectStage;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.common.PodTemplates;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.common.StageTimes;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.kpa.ActivatorProbe;
import io.kubedirect.api.DirectWriter;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.examples.knative.autoscaler.kpa.KpaReconciler;
import io.kubedirect.examples.knative.autoscaler.kpa.KpaScaler;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricCollector;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderSpec;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderStatus;
import io.kubedirect.examples.knative.autoscaler.scaling.Multiscaler;
import io.kubernetes.client.extended.controller.Controller;
import io.kubernetes.client.extended.controller.builder.ControllerBuilder;
import io.kubernetes.client.extended.controller.reconciler.Reconciler;
import io.kubernetes.client.extended.controller.reconciler.Request;
import io.kubernetes.client.extended.controller.reconciler.Result;
import io.kubernetes.client.extended.workqueue.DefaultRateLimitingQueue;
import io.kubernetes.client.extended.workqueue.RateLimitingQueue;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.informer.cache.Indexer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The autoscaler stage: the KPA port with one decider per function. A function is a Deployment labelled
 * {@code faas.kubedirect.io/function=<name>} (all namespaces); its {@code autoscaling.knative.dev/*} annotations
 * (on the Deployment, or on its pod template as in a Knative Service) and its container concurrency
 * ({@code faas.kubedirect.io/container-concurrency} on the template) give the decider spec
 * ({@link FunctionAutoscaling}). Stats from the activator (and sandboxes) come in through {@link StatSink}; a
 * change of the decision, a change of the function's Ready pods, or a timer of the scale-to-zero state machine
 * reconciles the function: {@link KpaReconciler} decides the scale and, if it differs from {@code spec.replicas},
 * sends the Deployment with that {@code spec.replicas} to the deployment stage over a direct link (kubedirect
 * retrofit: a desired-state update, which the deployment stage writes back lazily; no scale patch).
 *
 * <p>The PodAutoscaler and ServerlessService states live in memory (Knative keeps them in the PA's status): the
 * activator is taken to be in the path since the function was first seen, and again whenever the reconciler asks
 * for proxy mode. A restarted autoscaler starts every function from "activating" again, as a new PA would.
 */
@DirectStage(name = "autoscaler", downstream = "deployment", emits = V1Deployment.class)
public final class AutoscalerController implements SliceStage, Reconciler, StatSink {

  private static final Logger log = LoggerFactory.getLogger(AutoscalerController.class);
  private static final String BY_FUNCTION = "function";

  private final ApiClient apiClient;
  private final DirectLinks links;
  private KubeDirect kd;
  private DirectWriter<V1Deployment> desiredScale;
  private final AppsV1Api appsApi;
  private final CoreV1Api coreApi;
  private final AutoscalerConfig config;
  private final Clock clock;
  private final int workers;

  private final Map<RevisionKey, FunctionAutoscaling.State> states = new ConcurrentHashMap<>();
  private volatile Multiscaler multiscaler;
  private RateLimitingQueue<Request> queue;
  private ScheduledExecutorService ticker;
  private KpaReconciler kpa;
  private Indexer<V1Deployment> deployments;
  private Indexer<V1Pod> pods;
  private LeaderRunner runner;
  private BooleanSupplier synced = () -> false;

  /** An autoscaler using {@code apiClient} (read timeout 0) with the cluster-wide {@code config-autoscaler}. */
  public AutoscalerController(ApiClient apiClient, DirectLinks links, AutoscalerConfig config) {
    this(apiClient, links, config, Clock.systemUTC(), 8);
  }

  /** An autoscaler with an explicit clock and number of reconcile workers. */
  public AutoscalerController(ApiClient apiClient, DirectLinks links, AutoscalerConfig config, Clock clock,
      int workers) {
    this.links = Objects.requireNonNull(links, "links");
    this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
    this.config = Objects.requireNonNull(config, "config");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (workers < 1) {
      throw new IllegalArgumentException("workers must be >= 1");
    }
    this.appsApi = new AppsV1Api(apiClient);
    this.coreApi = new CoreV1Api(apiClient);
    this.workers = workers;
  }

  @Override
  public synchronized void start() {
    if (runner != null) {
      return;
    }
    states.clear();
    queue = new DefaultRateLimitingQueue<>(Executors.newSingleThreadExecutor());
    kd = links.stage(DirectLinks.AUTOSCALER, AutoscalerController.class, apiClient).build();
    SharedInformerFactory factory = kd.informerFactory();
    desiredScale = kd.writer(V1Deployment.class);
    SharedIndexInformer<V1Deployment> deploymentInformer = factory.sharedIndexInformerFor(
        p -> appsApi.listDeploymentForAllNamespaces().labelSelector(FUNCTION_LABEL)
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Deployment.class, V1DeploymentList.class);
    SharedIndexInformer<V1Pod> podInformer = factory.sharedIndexInformerFor(
        p -> coreApi.listPodForAllNamespaces().labelSelector(FUNCTION_LABEL)
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Pod.class, V1PodList.class);
    deploymentInformer.addIndexers(Map.of(BY_FUNCTION, d -> indexKey(FunctionAutoscaling.functionOf(d.getMetadata()))));
    podInformer.addIndexers(Map.of(BY_FUNCTION, p -> indexKey(FunctionAutoscaling.functionOf(p.getMetadata()))));
    deployments = deploymentInformer.getIndexer();
    pods = podInformer.getIndexer();
    Multiscaler scaler = new Multiscaler(new MetricCollector(), key -> () -> readyPods(key), clock);
    scaler.addListener((key, status) -> queue.add(request(key)));
    kpa = new KpaReconciler(new KpaScaler(() -> config, KpaScaler.DEFAULT_PROGRESS_DEADLINE, clock,
        (key, delay) -> queue.addAfter(request(key), delay), ActivatorProbe.alwaysInPath(),
        FunctionAutoscaling.timed(this::sendScale)), () -> config, clock);
    ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "autoscaler-ticker");
      t.setDaemon(true);
      return t;
    });
    scaler.start(ticker);
    multiscaler = scaler;
    synced = () -> deploymentInformer.hasSynced() && podInformer.hasSynced();
    runner = LeaderRunner.start(kd, factory, buildController(factory, deploymentInformer, podInformer), "autoscaler",
        this);
    log.info("autoscaler started");
  }

  private Controller buildController(SharedInformerFactory factory,
      SharedIndexInformer<V1Deployment> deploymentInformer, SharedIndexInformer<V1Pod> podInformer) {
    return ControllerBuilder.defaultBuilder(factory)
        .withWorkQueue(queue) // before watch(): the builder hands watches the queue current at that point
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1Deployment.class, q)
            .withWorkQueueKeyFunc(d -> request(FunctionAutoscaling.functionOf(d.getMetadata())))
            .withResyncPeriod(Duration.ZERO).build())
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1Pod.class, q)
            .withOnUpdateFilter((o, n) -> Pods.isReady(o) != Pods.isReady(n) || Pods.isActive(o) != Pods.isActive(n))
            .withWorkQueueKeyFunc(p -> request(FunctionAutoscaling.functionOf(p.getMetadata())))
            .withResyncPeriod(Duration.ZERO).build())
        .withReconciler(this)
        .withName("example-autoscaler")
        .withWorkerCount(workers)
        .withReadyFunc(() -> deploymentInformer.hasSynced() && podInformer.hasSynced())
        .build();
  }

  @Override
  public synchronized void stop() {
    if (runner == null) {
      return;
    }
    multiscaler.close();
    multiscaler = null;
    ticker.shutdownNow();
    runner.stop();
    kd.close();
    runner = null;
    states.clear();
    log.info("autoscaler stopped");
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

  /** Takes a stat of a function (the activator's and the sandboxes' reports); dropped while stopped. */
  @Override
  public void record(RevisionKey key, Stat stat) {
    Multiscaler m = multiscaler;
    if (m != null) {
      m.record(key, stat);
    }
  }

  /** The decider's latest status for {@code function}, if the autoscaler watches it. */
  public Optional<DeciderStatus> decision(RevisionKey function) {
    Multiscaler m = multiscaler;
    return m == null ? Optional.empty() : m.status(function);
  }

  @Override
  public Result reconcile(Request request) {
    StageTimes.handled("autoscaler", request.getNamespace(), request.getName());
    if (request.getNamespace().isEmpty() || request.getName().isEmpty()) {
      return new Result(false);
    }
    RevisionKey key = new RevisionKey(request.getNamespace(), request.getName());
    Multiscaler m = multiscaler;
    V1Deployment d = deployment(key);
    if (m == null) {
      return new Result(false);
    }
    if (d == null || d.getMetadata().getDeletionTimestamp() != null) {
      m.unwatch(key);
      states.remove(key);
      return new Result(false);
    }
    RevisionAutoscaling rev = FunctionAutoscaling.of(d);
    DeciderSpec spec = rev.deciderSpec(config);
    m.watch(key, spec, rev.metricSpec(config));
    DeciderStatus decision = m.status(key).orElse(DeciderStatus.initial(spec));
    FunctionAutoscaling.State state = states.computeIfAbsent(key, k -> new FunctionAutoscaling.State(clock.instant()));
    int ready = readyPods(key);
    Integer replicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
    try {
      KpaReconciler.Result r;
      synchronized (state) {
        r = kpa.reconcile(key, rev, state.pa(), state.sks(), spec, decision, replicas, ready);
        state.follow(r.mode(), clock.instant());
      }
      StageTimes.scaled(key.namespace(), key.name(), r.want());
      log.debug("{}: desired {}, want {} (written {}), replicas {}, ready {}, {}", key, decision.desiredScale(),
          r.want(), r.written(), replicas, ready, state.pa().active());
      return new Result(false);
    } catch (ApiException e) {
      log.warn("scale of {} failed: {} {}", key, e.getCode(), e.getResponseBody());
      return new Result(true);
    } catch (Exception e) {
      log.warn("reconcile of {} failed: {}", key, e.toString());
      return new Result(true);
    }
  }

  private V1Deployment deployment(RevisionKey key) {
    Indexer<V1Deployment> index = deployments;
    List<V1Deployment> found = index == null ? List.of() : index.byIndex(BY_FUNCTION, key.toString());
    return found.stream()
        .min((a, b) -> a.getMetadata().getName().compareTo(b.getMetadata().getName()))
        .orElse(null);
  }

  /** Sends the function's Deployment with {@code replicas} to the deployment stage (its ack completes it; the next reconcile retries a failure). */
  private void sendScale(RevisionKey key, int replicas) {
    V1Deployment d = deployment(key);
    if (d == null) {
      throw new IllegalStateException("no Deployment for function " + key);
    }
    V1Deployment scaled = PodTemplates.deepCopy(d, V1Deployment.class);
    scaled.getSpec().setReplicas(replicas);
    desiredScale.update(scaled).whenComplete((sent, e) -> {
      if (e != null) {
        log.warn("scale of {} to {} not taken: {}", key, replicas, e.toString());
      }
    });
  }

  /** Active, Ready pods of the function, as the informer shows them. */
  private int readyPods(RevisionKey key) {
    Indexer<V1Pod> index = pods;
    if (index == null) {
      return 0;
    }
    return (int) index.byIndex(BY_FUNCTION, key.toString()).stream()
        .filter(p -> Pods.isActive(p) && Pods.isReady(p)).count();
  }

  private static Request request(RevisionKey key) {
    return key == null ? new Request("", "") : new Request(key.namespace(), key.name());
  }

  private static List<String> indexKey(RevisionKey key) {
    return key == null ? List.of() : List.of(key.toString());
  }
}
