package io.kubedirect.examples.bench;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.StageOptions;
import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.cluster.NodeHeartbeat;
import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.common.StageTimeLog;
import io.kubedirect.examples.faas.direct.DirectChain;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.plain.K8sPlusChain;
import io.kubedirect.examples.faas.plain.PlainChain;
import io.kubedirect.examples.faas.process.ProcessChain;
import io.kubedirect.examples.faas.process.StageProcess;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderStatus;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One variant of the FaaS chain on a fresh {@link LocalControlPlane}, as a workload drives it: the
 * pool nodes and a namespace first ({@link #prepare}), then the workload declares its functions
 * ({@link #declare}), then {@link #start()} starts the stages (in this JVM, or each as a {@code
 * StageMain} process) and waits until every declared function is reconciled at zero. Requests go to
 * {@link #activator()}; in-JVM the harness also reads the activator's routing table ({@link
 * #routable}) and the autoscaler's decisions ({@link #desiredScale}); in both modes the stages'
 * reconcile times and the autoscaler's scale changes ({@link #stageTimes()}).
 */
public final class BenchChain implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(BenchChain.class);

  /** The namespace every workload's functions live in. */
  public static final String NAMESPACE = "bench";

  private final BenchVariant variant;
  private final BenchOptions.Mode mode;
  private final BenchOptions options;
  private final LocalControlPlane controlPlane;
  private final List<String> nodes;
  private final Path workDir;
  private final int containerPort;
  private final List<String> declared = new ArrayList<>();
  private NodeHeartbeat heartbeat;
  private HttpSandboxRuntime sandboxes;
  private SliceStage stages;
  private Activator activator;
  private Function<RevisionKey, Optional<DeciderStatus>> decisions;
  private URI activatorUri;
  private StageClock clock;

  private BenchChain(
      BenchVariant variant, BenchOptions options, LocalControlPlane cp, Path workDir) {
    this.variant = variant;
    this.mode = variant.stockControllers() ? BenchOptions.Mode.IN_JVM : options.mode();
    this.options = options;
    this.controlPlane = cp;
    this.workDir = workDir;
    this.nodes = PoolNodes.names("pool", options.nodes());
    this.containerPort =
        variant.stockControllers() ? ThreadLocalRandom.current().nextInt(20_000, 32_000) : 8080;
  }

  /**
   * Starts a fresh control plane for {@code variant} (with kube-controller-manager and
   * kube-scheduler for the K8s+ variants, at stock or lifted client rate limits), creates the
   * namespace and the Ready pool nodes. The stages are not started yet.
   */
  public static BenchChain prepare(BenchVariant variant, BenchOptions options, Path workDir)
      throws ApiException {
    LocalControlPlane.Builder b = LocalControlPlane.builder();
    if (variant.stockControllers()) {
      b.controllerManager(true)
          .scheduler(true)
          .controllers(List.of("deployment", "replicaset", "endpointslice", "garbagecollector"));
      if (variant == BenchVariant.K8S_TUNED) {
        b.controllerManagerRateLimit(options.tunedQps(), options.tunedBurst())
            .schedulerRateLimit(options.tunedQps(), options.tunedBurst());
      }
    }
    LocalControlPlane cp = b.start();
    BenchChain chain = new BenchChain(variant, options, cp, workDir);
    try {
      ApiClient api = cp.apiClient();
      new CoreV1Api(api)
          .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(NAMESPACE)))
          .execute();
      PoolNodes.create(api, chain.nodes, Map.of());
      if (variant.stockControllers()) {
        chain.heartbeat = NodeHeartbeat.start(api, chain.nodes, Duration.ofSeconds(10));
      }
      return chain;
    } catch (ApiException | RuntimeException e) {
      chain.close();
      throw e;
    }
  }

  /** The variant. */
  public BenchVariant variant() {
    return variant;
  }

  /**
   * Where the Java stages run (the K8s+ variants always run the Java stages in-JVM: the process
   * chain has plain and direct stages only).
   */
  public BenchOptions.Mode mode() {
    return mode;
  }

  /** A client of the control plane (admin). */
  public ApiClient api() {
    return controlPlane.apiClient();
  }

  /** The control plane. */
  public LocalControlPlane controlPlane() {
    return controlPlane;
  }

  /** The pool nodes. */
  public List<String> nodes() {
    return nodes;
  }

  /** Counts the API Server's mutating requests. */
  public ApiWriteCounter writeCounter() {
    return new ApiWriteCounter(api(), controlPlane.bearerToken());
  }

  /** A single-thread scheduler on a daemon thread named {@code name} (a workload's poller). */
  static java.util.concurrent.ScheduledExecutorService daemonPoller(String name) {
    return java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          return t;
        });
  }

  /**
   * Where the Java stages of {@code variant} run under {@code options}: the K8s+ variants in-JVM.
   */
  static String modeOf(BenchVariant variant, BenchOptions options) {
    return variant.stockControllers() ? "in-jvm" : options.mode().flag();
  }

  /**
   * Declares function {@code name} in {@link #NAMESPACE} at zero replicas with the pod-template
   * annotations {@code annotations}: its Deployment (run by the example deployment stage, or by the
   * stock one in K8s+) and, in K8s+, its Service.
   */
  public void declare(String name, Map<String, String> annotations) throws ApiException {
    if (variant.stockControllers()) {
      new CoreV1Api(api())
          .createNamespacedService(NAMESPACE, Workloads.functionService(NAMESPACE, name))
          .execute();
    }
    new AppsV1Api(api())
        .createNamespacedDeployment(
            NAMESPACE,
            Workloads.function(
                NAMESPACE, name, 0, containerPort, annotations, !variant.stockControllers()))
        .execute();
    declared.add(name);
  }

  /**
   * Starts the stages and waits until they have synced and the controller in charge has observed
   * every declared Deployment (and, in-JVM, the autoscaler has a decider for each function).
   */
  public void start() {
    if (mode == BenchOptions.Mode.IN_JVM) {
      clock = StageClock.install();
      startInJvm();
    } else {
      ProcessChain.Builder b =
          ProcessChain.builder(controlPlane.kubeconfig(), nodes, workDir.resolve("stages"))
              .variant(
                  variant == BenchVariant.DIRECT
                      ? StageOptions.Variant.DIRECT
                      : StageOptions.Variant.PLAIN)
              .maxStartDelay(options.maxStartDelay())
              .readyTimeout(Duration.ofSeconds(180));
      if (!options.stageJavaOptions().isEmpty()) {
        b.jvmOptions(options.stageJavaOptions());
      }
      ProcessChain pc = b.build();
      stages = pc;
      activatorUri = pc.activatorUri();
      pc.start();
    }
    Duration syncTimeout = Duration.ofSeconds(120 + declared.size() / 5);
    await().atMost(syncTimeout).pollInterval(Duration.ofMillis(50)).until(stages::hasSynced);
    AppsV1Api apps = new AppsV1Api(api());
    await()
        .atMost(syncTimeout)
        .pollInterval(Duration.ofMillis(200))
        .ignoreExceptions()
        .until(
            () ->
                apps.listNamespacedDeployment(NAMESPACE).execute().getItems().stream()
                        .filter(BenchChain::observed)
                        .count()
                    >= declared.size());
    if (decisions != null) {
      await()
          .atMost(syncTimeout)
          .pollInterval(Duration.ofMillis(50))
          .until(
              () ->
                  declared.stream()
                      .allMatch(n -> decisions.apply(new RevisionKey(NAMESPACE, n)).isPresent()));
    }
    awaitSettledAtZero(syncTimeout);
    log.info("{} ({}) started with {} functions", variant.flag(), mode.flag(), declared.size());
  }

  /**
   * Waits until the autoscaler has made a valid decision for every declared function (its first
   * decider tick: until then Knative's scaler leaves a function at zero alone, so a min-scale patch
   * would wait for that tick). Logs and goes on if that does not happen in time.
   */
  private void awaitSettledAtZero(Duration timeout) {
    try {
      await()
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(mode == BenchOptions.Mode.IN_JVM ? 50 : 500))
          .ignoreExceptions()
          .until(
              () -> {
                StageTimeLog.Snapshot times = stageTimes();
                return declared.stream().allMatch(n -> times.scaledTo(NAMESPACE, n, 0, 0) >= 0);
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      log.warn(
          "{}: the autoscaler made no valid decision for every function within {} s",
          variant.flag(),
          timeout.toSeconds());
    }
  }

  private void startInJvm() {
    ApiClient api = api();
    AutoscalerConfig config = FunctionAutoscaling.chainDefaults(Map.of());
    Duration delay = options.maxStartDelay();
    int managers = options.sandboxManagers();
    java.util.function.UnaryOperator<Activator.Builder> front =
        b -> b.queueTimeout(options.timeout()).responseTimeout(options.timeout());
    switch (variant) {
      case PLAIN -> {
        sandboxes = HttpSandboxRuntime.create();
        PlainChain c = new PlainChain(api, nodes, managers, delay, sandboxes, config, front);
        stages = c;
        activator = c.activator();
        decisions = fn -> c.autoscaler().decision(fn);
      }
      case DIRECT -> {
        sandboxes = HttpSandboxRuntime.create();
        DirectChain c =
            new DirectChain(
                api, DirectLinks.chainOnLoopback(nodes, managers), delay, sandboxes, config, front);
        stages = c;
        activator = c.activator();
        decisions = fn -> c.autoscaler().decision(fn);
      }
      case K8S, K8S_TUNED -> {
        sandboxes = HttpSandboxRuntime.builder().listenOnPodAddress(true).build();
        K8sPlusChain c = new K8sPlusChain(api, nodes, managers, delay, sandboxes, config, front);
        stages = c;
        activator = c.activator();
        decisions = fn -> c.autoscaler().decision(fn);
      }
    }
    stages.start();
    activatorUri = URI.create("http://127.0.0.1:" + activator.address().getPort());
  }

  private static boolean observed(V1Deployment d) {
    return d.getStatus() != null
        && Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration());
  }

  /** The activator's front door: {@code POST <uri>/fn/<namespace>/<function>}. */
  public URI activator() {
    return activatorUri;
  }

  /** The URL of function {@code name}. */
  public URI functionUrl(String name) {
    return activatorUri.resolve("/fn/" + NAMESPACE + "/" + name);
  }

  /** True if the activator's routing table and the autoscaler's decisions can be read here. */
  public boolean observable() {
    return activator != null;
  }

  /** The sandboxes the activator routes {@code function} to (in-JVM only; empty otherwise). */
  public Optional<List<String>> routable(String function) {
    return activator == null
        ? Optional.empty()
        : Optional.of(
            activator.sandboxes(new RevisionKey(NAMESPACE, function)).stream()
                .map(e -> e.pod())
                .toList());
  }

  /** The autoscaler's current desired scale of {@code function} (in-JVM only). */
  public OptionalInt desiredScale(String function) {
    if (decisions == null) {
      return OptionalInt.empty();
    }
    return decisions
        .apply(new RevisionKey(NAMESPACE, function))
        .map(s -> OptionalInt.of(s.desiredScale()))
        .orElse(OptionalInt.empty());
  }

  /**
   * Forgets the stage times recorded so far (in-JVM; the stage processes keep theirs, which is why
   * readers of {@link #stageTimes()} ask for times at or after the start of their run).
   */
  public void resetStageTimes() {
    if (clock != null) {
      clock.reset();
    }
  }

  /**
   * The stages' reconcile start times and the autoscaler's scale changes on this JVM's {@link
   * System#nanoTime()} clock: in-JVM from the installed {@link StageClock}; in process mode fetched
   * from every stage process's {@code /stage-times} and merged.
   *
   * @throws IllegalStateException if a stage process does not serve them
   */
  public StageTimeLog.Snapshot stageTimes() {
    if (clock != null) {
      return clock.snapshot();
    }
    if (stages instanceof ProcessChain pc) {
      List<StageTimeLog.Snapshot> parts = new ArrayList<>();
      for (StageProcess p : pc.processes()) {
        parts.add(p.stageTimes());
      }
      return StageTimeLog.Snapshot.merge(parts);
    }
    return StageTimeLog.Snapshot.empty(System.nanoTime());
  }

  /** The pid of each stage process by stage name (process mode; empty in-JVM). */
  public Map<String, Long> stagePids() {
    Map<String, Long> out = new LinkedHashMap<>();
    if (stages instanceof ProcessChain pc) {
      for (StageProcess p : pc.processes()) {
        p.handle().ifPresent(h -> out.put("stage " + p.name(), h.pid()));
      }
    }
    return out;
  }

  /** Stops the stages, the sandboxes and the control plane. */
  @Override
  public void close() {
    if (stages != null) {
      try {
        stages.stop();
      } catch (RuntimeException e) {
        log.warn("stopping the {} stages", variant.flag(), e);
      }
    }
    if (clock != null) {
      clock.close();
    }
    if (sandboxes != null) {
      sandboxes.close();
    }
    if (heartbeat != null) {
      heartbeat.close();
    }
    controlPlane.close();
  }
}
