package io.kubedirect.examples.bench;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.StageTimeLog;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.report.Progress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The functions workload: F functions at zero, each sent one request at once through the activator,
 * so each scales 0 -> 1. Per function, from the moment its request was sent: when each stage first
 * handled the function's objects ({@link BenchChain#stageTimes()}: in-JVM and from the stage
 * processes' {@code /stage-times}; autoscaler, deployment, replicaset, scheduler, sandbox manager;
 * the stock controllers of K8s+ do not report), when its pod was Ready in an API-Server pod watch,
 * when the activator could route to it (in-JVM), and when the request was answered. Then it checks
 * that each function has exactly one Ready pod and every request got a 200.
 */
public final class FunctionsWorkload implements Workload {

  private static final Logger log = LoggerFactory.getLogger(FunctionsWorkload.class);

  /** The stage keys of {@link RunResult#stages()}, in chain order. */
  public static final List<String> STAGE_KEYS =
      List.of(
          "autoscaler",
          "deployment",
          "replicaset",
          "scheduler",
          "sandbox-manager",
          "ready (API Server)",
          "routable (activator)",
          "answered");

  private final int functions;
  private final Duration timeout;

  /** F = {@code functions}; the run fails after {@code timeout}. */
  public FunctionsWorkload(int functions, Duration timeout) {
    if (functions < 1) {
      throw new IllegalArgumentException("functions must be >= 1");
    }
    this.functions = functions;
    this.timeout = timeout;
  }

  @Override
  public String name() {
    return "functions";
  }

  @Override
  public int size() {
    return functions;
  }

  /** The name of function {@code i} (fixed width, so no name is a prefix of another's objects). */
  static String functionName(int i) {
    return String.format(Locale.ROOT, "f%05d", i);
  }

  @Override
  public void declare(BenchChain chain) throws Exception {
    Map<String, String> annotations =
        Map.of(
            SandboxSpec.SERVICE_TIME_ANNOTATION, "10",
            SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, "1",
            RevisionAutoscaling.TARGET, "1",
            RevisionAutoscaling.TARGET_UTILIZATION_PERCENTAGE, "100",
            RevisionAutoscaling.MAX_SCALE, "1");
    for (int i = 0; i < functions; i++) {
      chain.declare(functionName(i), annotations);
    }
  }

  @Override
  public RunResult run(BenchChain chain, boolean live) throws Exception {
    String mode = chain.mode().flag();
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < functions; i++) {
      names.add(functionName(i));
    }
    Map<String, Long> sentAt = new ConcurrentHashMap<>();
    Map<String, Long> answeredAt = new ConcurrentHashMap<>();
    Map<String, Long> routableAt = new ConcurrentHashMap<>();
    Map<String, Integer> status = new ConcurrentHashMap<>();
    CountDownLatch answered = new CountDownLatch(functions);
    CountDownLatch allRoutable = new CountDownLatch(functions);
    ScheduledExecutorService poller = BenchChain.daemonPoller("bench-functions-poller");
    try (ReadyTracker tracker =
        new ReadyTracker(chain.api(), BenchChain.NAMESPACE, FaasConventions.FUNCTION_LABEL)
            .start(Duration.ofSeconds(60))) {
      ApiWriteCounter counter = chain.writeCounter();
      long writesBefore = counter.read();
      tracker.reset();
      chain.resetStageTimes();
      long t0 = System.nanoTime();
      for (String fn : names) {
        sentAt.put(fn, System.nanoTime());
        http.sendAsync(
                HttpRequest.newBuilder(chain.functionUrl(fn))
                    .timeout(timeout)
                    .POST(HttpRequest.BodyPublishers.ofString(fn))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .whenComplete(
                (resp, e) -> {
                  answeredAt.put(fn, System.nanoTime());
                  status.put(
                      fn,
                      e != null
                          ? -1
                          : resp.statusCode() == 200 && fn.equals(resp.body())
                              ? 200
                              : resp.statusCode());
                  answered.countDown();
                });
      }
      if (chain.observable()) {
        poller.scheduleWithFixedDelay(
            () -> {
              long now = System.nanoTime();
              for (String fn : names) {
                if (!routableAt.containsKey(fn)
                    && chain.routable(fn).map(l -> !l.isEmpty()).orElse(false)) {
                  routableAt.put(fn, now);
                  allRoutable.countDown();
                }
              }
            },
            0,
            10,
            TimeUnit.MILLISECONDS);
      }
      boolean done;
      try (Progress progress =
          live
              ? Progress.follow(
                  chain.variant().flag() + " functions answered",
                  functions,
                  () -> functions - answered.getCount(),
                  () ->
                      String.format(
                          Locale.ROOT,
                          " | routable %d, pods Ready %d",
                          routableAt.size(),
                          tracker.readyTimes().size()))
              : null) {
        done = answered.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (done && chain.observable()) {
          done = allRoutable.await(10, TimeUnit.SECONDS);
        }
        done = done && tracker.awaitReady(functions, Duration.ofSeconds(30));
      } finally {
        poller.shutdownNow();
      }
      long writes = counter.read() - writesBefore;
      Map<String, Long> readyByFunction = new LinkedHashMap<>();
      Map<String, Integer> podsByFunction = new LinkedHashMap<>();
      tracker
          .readyTimes()
          .forEach(
              (pod, t) -> {
                String fn = pod.length() >= 6 ? pod.substring(0, 6) : pod;
                readyByFunction.merge(fn, t, Math::min);
                podsByFunction.merge(fn, 1, Integer::sum);
              });
      List<String> problems = new ArrayList<>();
      for (String fn : names) {
        int n = podsByFunction.getOrDefault(fn, 0);
        if (n != 1) {
          problems.add(fn + ": " + n + " Ready pods (want 1)");
        }
        Integer s = status.get(fn);
        if (s == null || s != 200) {
          problems.add(fn + ": request answered " + s);
        }
        if (problems.size() >= 10) {
          break;
        }
      }
      if (!done) {
        return new RunResult(
            name(),
            functions,
            chain.variant().flag(),
            mode,
            String.format(
                Locale.ROOT,
                "after %d s: %d/%d answered, %d pods Ready",
                timeout.toSeconds(),
                answeredAt.size(),
                functions,
                tracker.readyTimes().size()),
            null,
            null,
            null,
            -1,
            writes,
            Map.of(),
            problems,
            List.of(),
            List.of());
      }
      Map<String, List<Double>> perStage = new LinkedHashMap<>();
      for (String key : STAGE_KEYS) {
        perStage.put(key, new ArrayList<>());
      }
      StageTimeLog.Snapshot times = stageTimes(chain);
      for (String fn : names) {
        long sent = sentAt.get(fn);
        for (String stage : StageClock.STAGES) {
          long t = times.first(stage, BenchChain.NAMESPACE, fn, sent);
          if (t >= 0) {
            perStage.get(stage).add((t - sent) / 1e9);
          }
        }
        add(perStage.get("ready (API Server)"), readyByFunction.get(fn), sent);
        add(perStage.get("routable (activator)"), routableAt.get(fn), sent);
        add(perStage.get("answered"), answeredAt.get(fn), sent);
      }
      Map<String, TimeStats> stages = new LinkedHashMap<>();
      perStage.forEach(
          (k, v) -> {
            if (!v.isEmpty()) {
              stages.put(k, TimeStats.of(v));
            }
          });
      List<Double> ready = perStage.get("ready (API Server)");
      List<Double> routable = perStage.get("routable (activator)");
      RunResult r =
          new RunResult(
              name(),
              functions,
              chain.variant().flag(),
              mode,
              null,
              ready.isEmpty() ? null : TimeStats.of(ready),
              routable.isEmpty() ? null : TimeStats.of(routable),
              stages.get("answered"),
              -1,
              writes,
              stages,
              problems,
              ready,
              routable);
      log.info("functions F={} {}: {}", functions, chain.variant().flag(), r);
      return r;
    }
  }

  /** The chain's stage times, or none (logged) if a stage process does not serve them. */
  static StageTimeLog.Snapshot stageTimes(BenchChain chain) {
    try {
      return chain.stageTimes();
    } catch (RuntimeException e) {
      log.warn("no stage times from the {} stages: {}", chain.variant().flag(), e.toString());
      return StageTimeLog.Snapshot.empty(System.nanoTime());
    }
  }

  private static void add(List<Double> into, Long nanos, long sent) {
    if (nanos != null) {
      into.add(Math.max(0, nanos - sent) / 1e9);
    }
  }
}
