package io.kubedirect.it.faults;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.cluster.SliceChecks;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.it.faults.FaultScenario.Fault;
import io.kubedirect.it.faults.FaultScenario.Point;
import io.kubedirect.it.faults.FaultScenario.Workload;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one {@link FaultScenario} once against a real control plane and measures it: a fresh
 * namespace and pool, a fresh {@link FaultySlice}, an independent {@link PodHistory}, the burst,
 * the fault at its point, the wait for the exact end state, and the counters.
 */
final class FaultRun {

  private static final Logger log = LoggerFactory.getLogger(FaultRun.class);
  static final String FUNCTION = "fn";

  /** Sizes and deadlines (deadlines are failure guards, not expectations). */
  record Settings(
      int burst,
      int scaleDownTo,
      int nodes,
      int managers,
      Duration maxStartDelay,
      Duration pointTimeout,
      Duration convergeTimeout,
      Duration drainTimeout) {
    static Settings defaults() {
      return new Settings(
          100,
          50,
          4,
          2,
          Duration.ofMillis(50),
          Duration.ofSeconds(60),
          Duration.ofSeconds(Long.getLong("kubedirect.faults.convergeSeconds", 60)),
          Duration.ofSeconds(30));
    }
  }

  private final LocalControlPlane cp;
  private final FaultScenario scenario;
  private final int run;
  private final Settings settings;
  private final ApiClient api;
  private final CoreV1Api core;
  private final AppsV1Api apps;

  FaultRun(LocalControlPlane cp, FaultScenario scenario, int run, Settings settings) {
    this.cp = cp;
    this.scenario = scenario;
    this.run = run;
    this.settings = settings;
    this.api = cp.newApiClient(Duration.ofSeconds(30));
    this.core = new CoreV1Api(api);
    this.apps = new AppsV1Api(api);
  }

  RunResult execute() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 6);
    String ns = "faults-" + id;
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    List<String> nodes = PoolNodes.names("fpool-" + id, settings.nodes());
    PoolNodes.create(api, nodes, Map.of());
    try (PodHistory history = new PodHistory(cp.apiClient(), ns);
        FaultySlice slice =
            new FaultySlice(cp, nodes, settings.managers(), settings.maxStartDelay())) {
      history.start();
      await().atMost(Duration.ofSeconds(30)).until(history::hasSynced);
      slice.start();
      await().atMost(Duration.ofSeconds(60)).until(slice::hasSynced);
      return measure(ns, nodes, history, slice);
    } finally {
      cleanUp(ns, nodes);
    }
  }

  private RunResult measure(String ns, List<String> nodes, PodHistory history, FaultySlice slice)
      throws Exception {
    if (scenario.fault() == Fault.REJECT) {
      return measureRejection(ns, history, slice);
    }
    int n = settings.burst();
    Workload w = scenario.workload();
    int desired =
        switch (w) {
          case SCALE_UP -> n;
          case SCALE_DOWN -> settings.scaleDownTo();
          case OWNER_DELETE -> 0;
        };
    String uid =
        apps.createNamespacedReplicaSet(ns, Workloads.exampleReplicaSet(ns, FUNCTION, 0))
            .execute()
            .getMetadata()
            .getUid();

    // The second step of the workload: scale-down as soon as the first pod is persisted (or at the
    // fault point
    // if that comes first); owner-delete right before the fault.
    AtomicBoolean secondStepDone = new AtomicBoolean();
    long[] ownerDeletedAtRevision = {Long.MAX_VALUE};
    Runnable secondStep =
        () -> {
          if (!secondStepDone.compareAndSet(false, true)) {
            return;
          }
          try {
            if (w == Workload.SCALE_DOWN) {
              scale(ns, settings.scaleDownTo());
            } else if (w == Workload.OWNER_DELETE) {
              apps.deleteNamespacedReplicaSet(FUNCTION, ns)
                  .propagationPolicy("Background")
                  .execute();
              ownerDeletedAtRevision[0] = currentRevision(ns);
            }
          } catch (ApiException e) {
            throw new IllegalStateException(
                "workload step failed: " + e.getCode() + " " + e.getResponseBody(), e);
          }
        };
    if (w == Workload.SCALE_DOWN) {
      history.onEvent(
          e -> {
            if (e.type() != PodHistory.Type.DELETED && !secondStepDone.get()) {
              CompletableFuture.runAsync(secondStep);
            }
          });
    }
    if (scenario.point() == Point.IN_MEMORY) {
      slice.holdTailWrites();
    }
    scale(ns, n);

    // ---- the fault point, by state
    int readyThreshold = Math.max(1, (w == Workload.SCALE_DOWN ? settings.scaleDownTo() : n) / 5);
    Supplier<Boolean> atPoint =
        switch (scenario.point()) {
          case IN_MEMORY ->
              () ->
                  slice.tailEphemeral() >= n / 4
                      && history.live().isEmpty()
                      && slice.gates.stream().allMatch(g -> g.passed() == 0);
          case WRITE_BACK_IN_FLIGHT ->
              () ->
                  !history.live().isEmpty()
                      && slice.tailEphemeral() > 0
                      && ready(history.live()) < n;
          case AFTER_READY -> () -> ready(history.live()) >= readyThreshold;
          case FROM_START -> () -> true;
        };
    try {
      await()
          .atMost(settings.pointTimeout())
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(2))
          .until(atPoint::get);
    } catch (ConditionTimeoutException e) {
      return result(
          desired,
          history,
          uid,
          -1,
          false,
          List.of(
              "fault point "
                  + scenario.point().label
                  + " not reached in "
                  + settings.pointTimeout()
                  + " ("
                  + slice.memoryState()
                  + ", persisted "
                  + history.live().size()
                  + ", ready "
                  + ready(history.live())
                  + ")"),
          "not reached",
          Long.MAX_VALUE);
    }
    List<V1Pod> liveAtFault = history.live();
    String atFault =
        "persisted "
            + liveAtFault.size()
            + ", ready "
            + ready(liveAtFault)
            + ", "
            + slice.memoryState();
    secondStep.run();
    log.info("{} run {}: fault point reached: {}", scenario, run, atFault);

    // ---- the fault
    long t0 = System.nanoTime();
    List<String> problems = new ArrayList<>();
    injectFault(slice, problems);

    // ---- convergence to the exact end state
    Set<String> pool = new HashSet<>(nodes);
    Supplier<List<String>> endProblems =
        () ->
            w == Workload.OWNER_DELETE
                ? (history.live().isEmpty()
                    ? List.of()
                    : List.of(history.live().size() + " pods left after owner delete"))
                : SliceChecks.problems(history.live(), desired, pool, uid);
    // Converged = the exact end state while no stage holds anything in memory only (otherwise an
    // owner-delete
    // "converges" before the in-memory pods are written back).
    long convergence = -1;
    try {
      await()
          .atMost(convergeTimeout())
          .pollInterval(Duration.ofMillis(100))
          .until(() -> endProblems.get().isEmpty() && slice.drained());
      convergence = (System.nanoTime() - t0) / 1_000_000;
    } catch (ConditionTimeoutException e) {
      List<String> left = endProblems.get();
      problems.add(
          "no convergence in "
              + convergeTimeout().toSeconds()
              + " s: "
              + (left.size() > 3
                  ? left.subList(0, 3) + " … (" + left.size() + " problems)"
                  : left));
    }
    boolean drained = slice.drained();
    if (!drained) {
      problems.add("stages still hold unpersisted objects: " + slice.memoryState());
    }
    if (convergence < 0) {
      problems.add(diagnosis(ns, history, slice, uid));
    }
    return result(
        desired, history, uid, convergence, drained, problems, atFault, ownerDeletedAtRevision[0]);
  }

  /**
   * Every pod is rejected by admission. The end state: no pod in the API Server, the ReplicaSet
   * status counts none (no phantom replicas), and no stage keeps the rejected pods in memory.
   */
  private RunResult measureRejection(String ns, PodHistory history, FaultySlice slice)
      throws Exception {
    int n = REJECTED_BURST;
    V1ReplicaSet rs = Workloads.exampleReplicaSet(ns, FUNCTION, 0);
    rs.getSpec().getTemplate().getSpec().setPriorityClassName("kubedirect-no-such-class");
    String uid = apps.createNamespacedReplicaSet(ns, rs).execute().getMetadata().getUid();
    long t0 = System.nanoTime();
    scale(ns, n);
    Supplier<Integer> statusReplicas =
        () -> {
          try {
            V1ReplicaSet now = apps.readNamespacedReplicaSet(FUNCTION, ns).execute();
            return now.getStatus() == null || now.getStatus().getReplicas() == null
                ? 0
                : now.getStatus().getReplicas();
          } catch (ApiException e) {
            return -1;
          }
        };
    // The point: every create of the burst was refused, by the API Server (seen at the tail's
    // client) or by the head failing it fast because the owner's pods were just refused.
    Supplier<Integer> rejections =
        () ->
            slice.gates.stream().mapToInt(WriteGate::rejected).sum()
                + StageProbe.headFastFailures(slice.replicaSet);
    List<String> problems = new ArrayList<>();
    try {
      await()
          .atMost(settings.pointTimeout())
          .pollInterval(Duration.ofMillis(20))
          .until(() -> rejections.get() >= n);
    } catch (ConditionTimeoutException e) {
      problems.add(
          "only "
              + rejections.get()
              + " of "
              + n
              + " pods were refused (by the API Server, or failed fast by the head)");
    }
    int phantomAtPoint = statusReplicas.get();
    String atFault =
        rejections.get()
            + " creates rejected, status.replicas "
            + phantomAtPoint
            + ", "
            + slice.memoryState();
    // The end state: at some moment the producer counts no replica and shows no pod, as the plain
    // slice does
    // (a correct producer may keep retrying, so in-flight retries are allowed in between).
    Supplier<Boolean> noPhantoms =
        () ->
            history.live().isEmpty()
                && statusReplicas.get() == 0
                && StageProbe.informerView(slice.replicaSet).stream()
                    .noneMatch(p -> Pods.isControlledBy(p, uid));
    long tp = System.nanoTime();
    long convergence = -1;
    try {
      // only twice the bound: beyond it the row fails anyway, and waiting longer would only measure
      // how long
      await()
          .atMost(PHANTOM_DEADLINE.multipliedBy(2))
          .pollInterval(Duration.ofMillis(200))
          .until(noPhantoms::get);
      convergence = (System.nanoTime() - tp) / 1_000_000;
    } catch (ConditionTimeoutException e) {
      problems.add(
          "phantom replicas: status.replicas "
              + statusReplicas.get()
              + " with "
              + history.live().size()
              + " pods in the API Server; replicaset view "
              + StageProbe.informerView(slice.replicaSet).size()
              + " pods; held in memory: "
              + slice.memoryState());
    }
    if (convergence > PHANTOM_DEADLINE.toMillis()) {
      problems.add(
          "phantom replicas for "
              + convergence / 1000
              + " s after the API Server had rejected every pod"
              + " (status.replicas "
              + phantomAtPoint
              + " with no pod; the plain slice reports 0 at once; bound "
              + PHANTOM_DEADLINE.toSeconds()
              + " s)");
    }
    boolean drained = slice.drained();
    return result(0, history, uid, convergence, drained, problems, atFault, Long.MAX_VALUE);
  }

  static final int REJECTED_BURST = 20;

  /** Pods of the garbage-collector control: half before the owner delete, half after. */
  static final int GC_CONTROL_PODS = 100;

  /**
   * The garbage-collector control (see {@code
   * FaultMatrixIT#garbageCollectorAfterAnApiServerRestart}): a ReplicaSet and half of {@link
   * #GC_CONTROL_PODS} pods it controls are created directly; the ReplicaSet is deleted and
   * kube-apiserver restarted; then the other half is created (pods born after their owner's
   * deletion, as the tail's late write-backs in the owner-delete rows). Returns the milliseconds
   * from the owner delete until no pod is left, or -1 if some are left after 180 s.
   */
  static long garbageCollectorControl(LocalControlPlane cp) throws Exception {
    ApiClient api = cp.newApiClient(Duration.ofSeconds(30));
    CoreV1Api core = new CoreV1Api(api);
    AppsV1Api apps = new AppsV1Api(api);
    String ns = "gc-control-" + UUID.randomUUID().toString().substring(0, 6);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    try {
      V1ReplicaSet rs =
          apps.createNamespacedReplicaSet(ns, Workloads.exampleReplicaSet(ns, FUNCTION, 0))
              .execute();
      for (int i = 0; i < GC_CONTROL_PODS / 2; i++) {
        core.createNamespacedPod(ns, controlPod(ns, i, rs)).execute();
      }
      long t0 = System.nanoTime();
      apps.deleteNamespacedReplicaSet(FUNCTION, ns)
          .body(
              new io.kubernetes.client.openapi.models.V1DeleteOptions()
                  .propagationPolicy("Background"))
          .execute();
      cp.restartApiServer();
      for (int i = GC_CONTROL_PODS / 2; i < GC_CONTROL_PODS; i++) {
        core.createNamespacedPod(ns, controlPod(ns, i, rs)).execute();
      }
      try {
        await()
            .atMost(Duration.ofSeconds(180))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(() -> core.listNamespacedPod(ns).execute().getItems().isEmpty());
        return (System.nanoTime() - t0) / 1_000_000;
      } catch (ConditionTimeoutException e) {
        return -1;
      }
    } finally {
      try {
        core.deleteNamespace(ns).execute();
      } catch (ApiException e) {
        log.debug("cannot delete namespace {}: {}", ns, e.getMessage());
      }
    }
  }

  /** Pod {@code i} of the control, controlled by {@code rs}. */
  private static V1Pod controlPod(String ns, int i, V1ReplicaSet rs) {
    return new V1Pod()
        .metadata(
            new V1ObjectMeta()
                .name(FUNCTION + "-" + i)
                .namespace(ns)
                .labels(rs.getSpec().getSelector().getMatchLabels())
                .addOwnerReferencesItem(
                    new io.kubernetes.client.openapi.models.V1OwnerReference()
                        .apiVersion("apps/v1")
                        .kind("ReplicaSet")
                        .name(FUNCTION)
                        .uid(rs.getMetadata().getUid())
                        .controller(true)
                        .blockOwnerDeletion(true)))
        .spec(
            new io.kubernetes.client.openapi.models.V1PodSpec()
                .addContainersItem(
                    new io.kubernetes.client.openapi.models.V1Container()
                        .name("fn")
                        .image("registry.k8s.io/pause:3.10"))
                .overhead(null)); // client-java sends an empty map otherwise: "overhead set"
  }

  /**
   * The convergence deadline of this row: {@link Settings#convergeTimeout}, but at least {@link
   * #GC_AFTER_RESTART} for an owner-delete after an API Server restart, where the end state waits
   * for the stock garbage collector (the control run without kubedirect took up to 61 s).
   */
  Duration convergeTimeout() {
    Duration d = settings.convergeTimeout();
    return scenario.fault() == Fault.API_RESTART
            && scenario.workload() == Workload.OWNER_DELETE
            && d.compareTo(GC_AFTER_RESTART) < 0
        ? GC_AFTER_RESTART
        : d;
  }

  /**
   * How long the garbage collector may take to delete pods born after their owner's deletion across
   * an API Server restart (docs/reliability.md, "The garbage collector after a restart").
   */
  static final Duration GC_AFTER_RESTART = Duration.ofSeconds(180);

  /**
   * How long the producer may still count rejected pods as replicas once the API Server has
   * rejected all of them (a liveness bound, like the convergence deadline: the plain slice counts 0
   * at once).
   */
  static final Duration PHANTOM_DEADLINE = Duration.ofSeconds(10);

  private void injectFault(FaultySlice slice, List<String> problems) throws Exception {
    boolean inMemory = scenario.point() == Point.IN_MEMORY;
    switch (scenario.fault()) {
      case KILL -> {
        SliceStage victim = slice.stage(scenario.target());
        if (inMemory && victim == slice.sandboxManagers.get(0)) {
          slice.gates.get(0).drop(); // its held writes die with it: never sent
        }
        victim.stop();
        victim.start();
        if (inMemory) {
          // rebuild while the burst is still only in memory, then let the tail write
          try {
            await().atMost(Duration.ofSeconds(30)).until(victim::hasSynced);
          } catch (ConditionTimeoutException e) {
            problems.add("restarted " + scenario.target() + " did not sync in 30 s");
          }
          slice.openTailWrites();
        }
      }
      case PARTITION -> {
        TcpProxy proxy = slice.link(scenario.target());
        SliceStage upstream = slice.upstreamOf(scenario.target());
        proxy.partition();
        if (inMemory) {
          slice.openTailWrites();
        }
        long start = System.nanoTime();
        try {
          await()
              .atMost(Duration.ofSeconds(60))
              .pollInterval(Duration.ofMillis(50))
              .until(() -> StageProbe.inFallback(upstream, proxy.address()));
        } catch (ConditionTimeoutException e) {
          problems.add("upstream of " + scenario.target() + " never entered fallback in 60 s");
        }
        log.info(
            "{} run {}: partition reached fallback after {} ms; healing",
            scenario,
            run,
            (System.nanoTime() - start) / 1_000_000);
        proxy.heal();
      }
      case TWIN -> {
        SliceStage twin = slice.startTwinScheduler();
        Supplier<Double> fencings =
            () -> StageProbe.epochRejections(slice.scheduler) + StageProbe.epochRejections(twin);
        try {
          await()
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(20))
              .until(() -> fencings.get() >= 1);
        } catch (ConditionTimeoutException e) {
          problems.add("the two scheduler instances did not fence each other in 30 s");
        }
        log.info(
            "{} run {}: twin scheduler fenced {} time(s); stopping it",
            scenario,
            run,
            fencings.get());
        slice.stopTwinScheduler();
        if (inMemory) {
          slice.openTailWrites();
        }
      }
      case API_RESTART -> {
        if (inMemory) {
          slice.openTailWrites();
        }
        Duration d = cp.restartApiServer();
        log.info("{} run {}: kube-apiserver restarted in {} ms", scenario, run, d.toMillis());
      }
    }
  }

  private RunResult result(
      int desired,
      PodHistory history,
      String uid,
      long convergence,
      boolean drained,
      List<String> problemsSoFar,
      String atFault,
      long ownerDeletedAt) {
    List<String> problems = new ArrayList<>(problemsSoFar);
    List<V1Pod> live = history.live();
    Workload w = scenario.workload();
    int maxDesired = settings.burst();
    List<V1Pod> ownedActive =
        live.stream().filter(p -> Pods.isControlledBy(p, uid) && Pods.isActive(p)).toList();
    int ownedReady = (int) ownedActive.stream().filter(Pods::isReady).count();
    int lost = Math.max(0, desired - ownedReady);
    int excess = Math.max(0, ownedActive.size() - desired);
    int duplicated = Math.max(0, history.everPersisted().size() - maxDesired);
    boolean ownerGone = w == Workload.OWNER_DELETE;
    int orphaned =
        (int) live.stream().filter(p -> ownerGone || !Pods.isControlledBy(p, uid)).count();
    int bornAfter = ownedDeletedCount(history, ownerDeletedAt);
    int resurrected = history.resurrected().size();
    int dupIps = history.duplicateIps().size();
    if (lost > 0) {
      problems.add(lost + " lost");
    }
    if (excess > 0) {
      problems.add(excess + " active pods beyond the desired " + desired);
    }
    if (duplicated > 0) {
      problems.add(
          history.everPersisted().size() + " pods ever persisted for " + maxDesired + " asked for");
    }
    if (orphaned > 0) {
      problems.add(orphaned + " orphaned");
    }
    if (resurrected > 0) {
      String first = history.resurrected().stream().sorted().findFirst().orElseThrow();
      problems.add(
          resurrected
              + " resurrected "
              + history.resurrected().stream().limit(3).toList()
              + " ("
              + first
              + ": "
              + history.story(first)
              + ")");
    }
    if (dupIps > 0) {
      problems.add(
          dupIps + " duplicate pod IPs " + history.duplicateIps().stream().limit(3).toList());
    }
    RunResult r =
        new RunResult(
            scenario,
            run,
            atFault,
            desired,
            maxDesired,
            lost,
            excess,
            duplicated,
            orphaned,
            bornAfter,
            resurrected,
            dupIps,
            convergence,
            drained,
            List.copyOf(problems));
    log.info("{} run {}: {}", scenario, run, r.tsv());
    return r;
  }

  /**
   * What the replicaset stage believes versus what the API Server has: pods in its informer view
   * that the API Server does not show (phantoms: it counts them, so it does not replace them) and
   * the converse.
   */
  private static String diagnosis(String ns, PodHistory history, FaultySlice slice, String uid) {
    Set<String> api = new HashSet<>();
    history.live().stream()
        .filter(p -> Pods.isControlledBy(p, uid) && Pods.isActive(p))
        .forEach(p -> api.add(p.getMetadata().getName()));
    Set<String> rsView = new HashSet<>();
    StageProbe.informerView(slice.replicaSet).stream()
        .filter(p -> Pods.isControlledBy(p, uid) && Pods.isActive(p))
        .forEach(p -> rsView.add(p.getMetadata().getName()));
    Set<String> phantoms = new HashSet<>(rsView);
    phantoms.removeAll(api);
    Set<String> unseen = new HashSet<>(api);
    unseen.removeAll(rsView);
    long deleted =
        history.events().stream()
            .filter(e -> e.type() == PodHistory.Type.DELETED)
            .map(PodHistory.Event::name)
            .distinct()
            .count();
    TreeSet<String> stuck =
        new TreeSet<>(StageProbe.pendingDeletes(slice.replicaSet, ns + "/" + FUNCTION));
    stuck.retainAll(api);
    String stuckStory =
        stuck.isEmpty()
            ? ""
            : "; deletes the replicaset controller still expects of pods the API shows "
                + stuck.stream().limit(3).toList()
                + " ("
                + stuck.first()
                + ": "
                + history.story(stuck.first())
                + ")";
    return "diag: replicaset view "
        + rsView.size()
        + " active pods, API "
        + api.size()
        + "; in the view only "
        + phantoms.size()
        + phantoms.stream().limit(3).toList()
        + ", in the API only "
        + unseen.size()
        + unseen.stream().limit(3).toList()
        + "; "
        + deleted
        + " names deleted during the run; "
        + slice.memoryState()
        + stuckStory;
  }

  private static int ownedDeletedCount(PodHistory history, long ownerDeletedAt) {
    return ownerDeletedAt == Long.MAX_VALUE
        ? 0
        : history.firstPersistedAfter(ownerDeletedAt).size();
  }

  private static int ready(List<V1Pod> pods) {
    return (int) pods.stream().filter(Pods::isReady).count();
  }

  private void scale(String ns, int replicas) throws ApiException {
    V1Patch patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}");
    PatchUtils.patch(
        V1ReplicaSet.class,
        () -> apps.patchNamespacedReplicaSet(FUNCTION, ns, patch).buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
        api);
  }

  /** The store's current revision: a consistent list's resourceVersion. */
  private long currentRevision(String ns) throws ApiException {
    return PodHistory.rv(
        core.listNamespacedPod(ns).limit(1).execute().getMetadata().getResourceVersion());
  }

  private void cleanUp(String ns, List<String> nodes) {
    try {
      apps.deleteNamespacedReplicaSet(FUNCTION, ns).execute();
    } catch (ApiException e) {
      // gone already
    }
    try {
      core.deleteCollectionNamespacedPod(ns).gracePeriodSeconds(0).execute();
    } catch (ApiException e) {
      log.warn("cleaning pods of {} failed: {}", ns, e.getCode());
    }
    for (String node : nodes) {
      try {
        core.deleteNode(node).execute();
      } catch (ApiException e) {
        // gone already
      }
    }
  }
}
