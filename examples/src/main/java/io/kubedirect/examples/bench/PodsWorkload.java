package io.kubedirect.examples.bench;

import io.kubedirect.examples.faas.cluster.SliceChecks;
import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.StageTimeLog;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.report.Progress;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.util.PatchUtils;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods workload: one function at zero scaled to N pods, triggered either by patching its
 * Deployment's {@code autoscaling.knative.dev/min-scale} to N ({@link
 * BenchOptions.Trigger#MIN_SCALE}: the autoscaler decides N at its next reconcile) or by N
 * closed-loop clients sending requests through the activator at once ({@link
 * BenchOptions.Trigger#REQUESTS}: with container concurrency 1 and a target of 1 request per pod
 * the decider ramps up to N, its max-scale). From the trigger it records when the autoscaler first
 * wanted N (its scale after the bounds, {@link BenchChain#stageTimes()}), when each pod was Ready
 * in an API-Server pod watch, when the activator could route to it (in-JVM), when it answered its
 * first request, and the API writes, until all N pods are Ready, routable (in-JVM) and have each
 * answered a request (with min-scale, N clients start sending requests once all N are Ready and
 * routable, as the end-state check). Then it checks that exactly N pods exist, Ready, on pool
 * nodes, and that every request was answered 200 with its own body.
 */
public final class PodsWorkload implements Workload {

  private static final Logger log = LoggerFactory.getLogger(PodsWorkload.class);

  /** The function's name. */
  public static final String FUNCTION = "fn";

  private final int pods;
  private final Duration serviceTime;
  private final Duration timeout;
  private final BenchOptions.Trigger trigger;

  /**
   * N = {@code pods}, scaled by {@code trigger}; each request takes {@code serviceTime} in its
   * sandbox; the run fails after {@code timeout}.
   */
  public PodsWorkload(
      int pods, Duration serviceTime, Duration timeout, BenchOptions.Trigger trigger) {
    if (pods < 1) {
      throw new IllegalArgumentException("pods must be >= 1");
    }
    this.pods = pods;
    this.serviceTime = serviceTime;
    this.timeout = timeout;
    this.trigger = Objects.requireNonNull(trigger, "trigger");
  }

  @Override
  public String name() {
    return "pods";
  }

  @Override
  public int size() {
    return pods;
  }

  /** How the function is scaled from zero. */
  public BenchOptions.Trigger trigger() {
    return trigger;
  }

  /**
   * The function's pod-template annotations: container concurrency 1, target 1 at 100%, max-scale
   * N, the given service time (no min-scale: the function starts at zero).
   */
  static Map<String, String> annotations(int maxScale, Duration serviceTime) {
    return Map.of(
        SandboxSpec.SERVICE_TIME_ANNOTATION, Long.toString(serviceTime.toMillis()),
        SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, "1",
        RevisionAutoscaling.TARGET, "1",
        RevisionAutoscaling.TARGET_UTILIZATION_PERCENTAGE, "100",
        RevisionAutoscaling.MAX_SCALE, Integer.toString(maxScale));
  }

  /**
   * The JSON merge patch that sets the Deployment's own {@code autoscaling.knative.dev/min-scale}
   * annotation (not the pod template's, which would roll out a new ReplicaSet).
   */
  static String minScalePatch(int minScale) {
    return "{\"metadata\":{\"annotations\":{\""
        + RevisionAutoscaling.MIN_SCALE
        + "\":\""
        + minScale
        + "\"}}}";
  }

  @Override
  public void declare(BenchChain chain) throws Exception {
    chain.declare(FUNCTION, annotations(pods, serviceTime));
  }

  @Override
  public RunResult run(BenchChain chain, boolean live) throws Exception {
    String mode = chain.mode().flag();
    AppsV1Api apps = new AppsV1Api(chain.api());
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    Map<String, Long> routableAt = new ConcurrentHashMap<>();
    AtomicReference<ClosedLoopLoad> loadRef = new AtomicReference<>();
    ScheduledExecutorService poller = BenchChain.daemonPoller("bench-pods-poller");
    try (ReadyTracker tracker =
        new ReadyTracker(
                chain.api(), BenchChain.NAMESPACE, FaasConventions.FUNCTION_LABEL + "=" + FUNCTION)
            .start(Duration.ofSeconds(60))) {
      ApiWriteCounter counter = chain.writeCounter();
      long writesBefore = counter.read();
      tracker.reset();
      chain.resetStageTimes();
      long t0 = System.nanoTime();
      if (trigger == BenchOptions.Trigger.MIN_SCALE) {
        PatchUtils.patch(
            V1Deployment.class,
            () ->
                apps.patchNamespacedDeployment(
                        FUNCTION, BenchChain.NAMESPACE, new V1Patch(minScalePatch(pods)))
                    .buildCall(null),
            V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
            chain.api());
      } else {
        loadRef.set(ClosedLoopLoad.start(http, chain.functionUrl(FUNCTION), "burst", pods));
      }
      if (chain.observable()) {
        poller.scheduleWithFixedDelay(
            () -> chain.routable(FUNCTION).ifPresent(l -> record(l, routableAt)),
            0,
            10,
            TimeUnit.MILLISECONDS);
      }
      boolean done;
      try (Progress progress =
          live
              ? Progress.follow(
                  chain.variant().flag() + " pods Ready (" + trigger.flag() + ")",
                  pods,
                  () -> tracker.readyTimes().size(),
                  () ->
                      String.format(
                          Locale.ROOT,
                          " | routable %d, pods served %d",
                          routableAt.size(),
                          loadRef.get() == null ? 0 : servedPods(loadRef.get()).size()))
              : null) {
        done = awaitComplete(chain, tracker, routableAt, loadRef, http);
      } finally {
        poller.shutdownNow();
        if (loadRef.get() != null) {
          loadRef.get().close();
        }
      }
      long writes = counter.read() - writesBefore;
      ClosedLoopLoad load = loadRef.get();
      Map<String, Long> served = load == null ? Map.of() : servedPods(load);
      if (!done) {
        return new RunResult(
            name(),
            pods,
            chain.variant().flag(),
            mode,
            String.format(
                Locale.ROOT,
                "after %d s (%s): %d/%d pods Ready, %d routable, %d served",
                timeout.toSeconds(),
                trigger.flag(),
                tracker.readyTimes().size(),
                pods,
                routableAt.size(),
                served.size()),
            null,
            null,
            null,
            -1,
            writes,
            Map.of(),
            List.of(),
            List.of(),
            List.of());
      }
      StageTimeLog.Snapshot times = FunctionsWorkload.stageTimes(chain);
      long decidedAt = times.scaledTo(BenchChain.NAMESPACE, FUNCTION, pods, t0);
      log.info(
          "{}: autoscaler first reconciled {} s after the trigger; its scale changes: {}",
          chain.variant().flag(),
          String.format(
              Locale.ROOT,
              "%.3f",
              (times.first("autoscaler", BenchChain.NAMESPACE, FUNCTION, t0) - t0) / 1e9),
          times.scaled().getOrDefault(BenchChain.NAMESPACE + "/" + FUNCTION, List.of()).stream()
              .map(
                  c ->
                      String.format(
                          Locale.ROOT, "%d at %.3f s", c.replicas(), (c.nanoTime() - t0) / 1e9))
              .toList());
      List<Double> ready = seconds(tracker.readyTimes().values(), t0);
      List<Double> routable = seconds(routableAt.values(), t0);
      List<String> problems =
          new ArrayList<>(
              SliceChecks.problems(tracker.pods(), pods, new HashSet<>(chain.nodes()), null));
      if (problems.size() > 10) {
        problems = new ArrayList<>(problems.subList(0, 10));
      }
      long failed = load.answers().stream().filter(a -> !a.ok()).count();
      if (failed > 0) {
        problems.add(failed + " requests not answered 200 with their own body");
      }
      RunResult r =
          new RunResult(
              name(),
              pods,
              chain.variant().flag(),
              mode,
              null,
              TimeStats.of(ready),
              routable.isEmpty() ? null : TimeStats.of(routable),
              served.isEmpty() ? null : TimeStats.of(seconds(served.values(), t0)),
              decidedAt < 0 ? -1 : (decidedAt - t0) / 1e9,
              writes,
              Map.of(),
              problems,
              ready,
              routable);
      log.info("pods N={} {} ({}): {}", pods, chain.variant().flag(), trigger.flag(), r);
      return r;
    }
  }

  private static void record(List<String> pods, Map<String, Long> routableAt) {
    long now = System.nanoTime();
    pods.forEach(p -> routableAt.putIfAbsent(p, now));
  }

  /**
   * Until N pods are Ready, routable (in-JVM) and have each answered a request, or timeout. With
   * min-scale the requests start once N are Ready and routable (into {@code loadRef}).
   */
  private boolean awaitComplete(
      BenchChain chain,
      ReadyTracker tracker,
      Map<String, Long> routableAt,
      AtomicReference<ClosedLoopLoad> loadRef,
      HttpClient http)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!tracker.awaitReady(pods, timeout)) {
      return false;
    }
    while (System.nanoTime() < deadline) {
      boolean routed = !chain.observable() || routableAt.size() >= pods;
      ClosedLoopLoad load = loadRef.get();
      if (load == null) {
        if (routed) {
          loadRef.set(ClosedLoopLoad.start(http, chain.functionUrl(FUNCTION), "check", pods));
        } else {
          Thread.sleep(10); // the poller fills routableAt every 10 ms
        }
        continue;
      }
      if (routed && servedPods(load).size() >= pods) {
        return true;
      }
      load.awaitAnswer(Duration.ofMillis(50));
    }
    return false;
  }

  /** When each pod answered its first request (nanoTime), by pod. */
  private static Map<String, Long> servedPods(ClosedLoopLoad load) {
    Map<String, Long> first = new java.util.HashMap<>();
    for (ClosedLoopLoad.Answer a : load.answers()) {
      if (a.ok() && a.pod() != null) {
        first.merge(a.pod(), a.answeredNanos(), Math::min);
      }
    }
    return first;
  }

  static List<Double> seconds(java.util.Collection<Long> nanos, long t0) {
    return nanos.stream().map(t -> Math.max(0, t - t0) / 1e9).sorted().toList();
  }
}
