package io.kubedirect.examples.bench;

import io.kubedirect.examples.faas.cluster.SliceChecks;
import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.report.Progress;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pods workload: one function at zero, N closed-loop clients send requests through the
 * activator at once. With container concurrency 1 and a target of 1 request per pod the autoscaler
 * decides N pods (its max-scale); the workload records when the autoscaler decided N, when each pod
 * was Ready in an API-Server pod watch, when the activator could route to it (in-JVM), when it
 * answered its first request, and the API writes, until all N pods are Ready, routable (in-JVM) and
 * have each answered a request. Then it checks that exactly N pods exist, Ready, on pool nodes.
 */
public final class PodsWorkload implements Workload {

  private static final Logger log = LoggerFactory.getLogger(PodsWorkload.class);

  /** The function's name. */
  public static final String FUNCTION = "fn";

  private final int pods;
  private final Duration serviceTime;
  private final Duration timeout;

  /**
   * N = {@code pods}; each request takes {@code serviceTime} in its sandbox; the run fails after
   * {@code timeout}.
   */
  public PodsWorkload(int pods, Duration serviceTime, Duration timeout) {
    if (pods < 1) {
      throw new IllegalArgumentException("pods must be >= 1");
    }
    this.pods = pods;
    this.serviceTime = serviceTime;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return "pods";
  }

  @Override
  public int size() {
    return pods;
  }

  /**
   * The function's pod-template annotations: container concurrency 1, target 1 at 100%, max-scale
   * N, the given service time.
   */
  static Map<String, String> annotations(int maxScale, Duration serviceTime) {
    return Map.of(
        SandboxSpec.SERVICE_TIME_ANNOTATION, Long.toString(serviceTime.toMillis()),
        SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, "1",
        RevisionAutoscaling.TARGET, "1",
        RevisionAutoscaling.TARGET_UTILIZATION_PERCENTAGE, "100",
        RevisionAutoscaling.MAX_SCALE, Integer.toString(maxScale));
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
    AtomicLong decidedAt = new AtomicLong(-1);
    ScheduledExecutorService poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "bench-pods-poller");
              t.setDaemon(true);
              return t;
            });
    try (ReadyTracker tracker =
        new ReadyTracker(
                chain.api(), BenchChain.NAMESPACE, FaasConventions.FUNCTION_LABEL + "=" + FUNCTION)
            .start(Duration.ofSeconds(60))) {
      ApiWriteCounter counter = chain.writeCounter();
      long writesBefore = counter.read();
      tracker.reset();
      if (chain.stageClock() != null) {
        chain.stageClock().reset();
      }
      long t0 = System.nanoTime();
      ClosedLoopLoad load = ClosedLoopLoad.start(http, chain.functionUrl(FUNCTION), "burst", pods);
      poller.scheduleWithFixedDelay(
          () -> poll(chain, apps, routableAt, decidedAt),
          0,
          chain.observable() ? 10 : 100,
          TimeUnit.MILLISECONDS);
      boolean done;
      try (Progress progress =
          live
              ? Progress.follow(
                  chain.variant().flag() + " pods Ready",
                  pods,
                  () -> tracker.readyTimes().size(),
                  () ->
                      String.format(
                          Locale.ROOT,
                          " | routable %d, requests served %d",
                          chain.observable() ? routableAt.size() : servedPods(load).size(),
                          load.ok()))
              : null) {
        done = awaitComplete(chain, tracker, routableAt, load);
      } finally {
        poller.shutdownNow();
        load.close();
      }
      long writes = counter.read() - writesBefore;
      Map<String, Long> served = servedPods(load);
      if (!done) {
        return new RunResult(
            name(),
            pods,
            chain.variant().flag(),
            mode,
            String.format(
                Locale.ROOT,
                "after %d s: %d/%d pods Ready, %d routable, %d served",
                timeout.toSeconds(),
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
              decidedAt.get() < 0 ? -1 : (decidedAt.get() - t0) / 1e9,
              writes,
              Map.of(),
              problems,
              ready,
              routable);
      log.info("pods N={} {}: {}", pods, chain.variant().flag(), r);
      return r;
    }
  }

  /** Until N pods are Ready, routable (in-JVM) and have each answered a request, or timeout. */
  private boolean awaitComplete(
      BenchChain chain, ReadyTracker tracker, Map<String, Long> routableAt, ClosedLoopLoad load)
      throws InterruptedException {
    if (!tracker.awaitReady(pods, timeout)) {
      return false;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      boolean routed = !chain.observable() || routableAt.size() >= pods;
      if (routed && servedPods(load).size() >= pods) {
        return true;
      }
      load.awaitAnswer(Duration.ofMillis(50));
    }
    return false;
  }

  private void poll(
      BenchChain chain, AppsV1Api apps, Map<String, Long> routableAt, AtomicLong decidedAt) {
    try {
      long now = System.nanoTime();
      chain.routable(FUNCTION).ifPresent(l -> l.forEach(p -> routableAt.putIfAbsent(p, now)));
      if (decidedAt.get() < 0) {
        int desired;
        if (chain.observable()) {
          desired = chain.desiredScale(FUNCTION).orElse(0);
        } else {
          V1Deployment d = apps.readNamespacedDeployment(FUNCTION, BenchChain.NAMESPACE).execute();
          desired = d.getSpec().getReplicas() == null ? 0 : d.getSpec().getReplicas();
        }
        if (desired >= pods) {
          decidedAt.compareAndSet(-1, now);
        }
      }
    } catch (Exception e) {
      log.debug("poll", e);
    }
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
