package io.kubedirect.examples.demo;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.demo.BurstOptions.Variant;
import io.kubedirect.examples.faas.cluster.NodeHeartbeat;
import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.cluster.SliceChecks;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.CompositeStage;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.DirectSlice;
import io.kubedirect.examples.faas.plain.PlainSlice;
import io.kubedirect.examples.report.Charts;
import io.kubedirect.examples.report.HtmlReport;
import io.kubedirect.examples.report.Progress;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The burst demo and baseline benchmark. For each variant it starts a fresh embedded control plane
 * (etcd + kube-apiserver, plus kube-controller-manager and kube-scheduler for K8s+), creates the
 * pool nodes, runs the slice, scales the function 0 -> N and measures, with a plain API-Server
 * informer, when each pod becomes Ready; then it checks the end state and prints a table. Exit code
 * 0 only if every run completed with exactly the right pods.
 *
 * <pre>
 * java ... io.kubedirect.examples.demo.BurstDemo --pods 1000 --variants plain,direct,k8s
 * </pre>
 */
public final class BurstDemo {

  private static final Logger log = LoggerFactory.getLogger(BurstDemo.class);
  static final String NAMESPACE = "burst";
  static final String FUNCTION = "fn";

  private BurstDemo() {}

  /** Runs the demo; see {@link BurstOptions#USAGE}. */
  public static void main(String[] args) {
    if (java.util.Arrays.asList(args).contains("--help")
        || java.util.Arrays.asList(args).contains("-h")) {
      System.out.println(BurstOptions.USAGE);
      return;
    }
    BurstOptions options;
    try {
      options = BurstOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(BurstOptions.USAGE);
      System.exit(2);
      return;
    }
    List<BurstResult> results = new ArrayList<>();
    for (Variant v : options.variants()) {
      log.info("=== {}: {} pods on {} nodes", v.description(), options.pods(), options.nodes());
      System.err.println(v.description() + ": starting a fresh control plane");
      BurstResult r = run(v, options);
      log.info(
          "=== {} done: {}",
          v.flag(),
          r.ok() ? r.stats() : (r.error() != null ? r.error() : r.problems()));
      results.add(r);
    }
    String table = render(options, results);
    System.out.println(table);
    try {
      Path index = report(options, results, table);
      System.out.println("Report with charts: " + index.toAbsolutePath().toUri());
    } catch (IOException | RuntimeException e) {
      log.warn("cannot write the report", e);
      System.out.println("Could not write the report: " + e.getMessage());
    }
    System.exit(results.stream().allMatch(BurstResult::ok) ? 0 : 1);
  }

  /** Writes the HTML report with the pods-Ready chart into {@link BurstOptions#reportDir()}. */
  static Path report(BurstOptions o, List<BurstResult> results, String table) throws IOException {
    Map<String, List<Double>> ready = new LinkedHashMap<>();
    for (BurstResult r : results) {
      if (!r.readySeconds().isEmpty()) {
        ready.put(r.variant().description(), r.readySeconds());
      }
    }
    Path dir = o.reportDir();
    HtmlReport html =
        new HtmlReport("kubedirect burst demo: 0 -> " + o.pods() + " pods").preformatted(table);
    if (!ready.isEmpty()) {
      Path chart =
          Charts.countOverTime(
              dir.resolve("pods-ready.png"),
              "Pods Ready (API Server watch)",
              "seconds since the scale request",
              "pods Ready",
              ready);
      html.heading("Pods Ready over time").image(chart, "pods Ready over time per variant");
    }
    return html.write(dir);
  }

  /** Runs one burst of {@code variant} on a fresh control plane. */
  public static BurstResult run(Variant variant, BurstOptions o) {
    LocalControlPlane.Builder cpb = LocalControlPlane.builder();
    if (variant == Variant.K8S) {
      cpb.controllerManager(true)
          .scheduler(true)
          .controllerManagerRateLimit(o.kcmQps(), o.kcmBurst())
          .schedulerRateLimit(o.schedulerQps(), o.schedulerBurst());
    }
    try (LocalControlPlane cp = cpb.start()) {
      return burst(variant, o, cp);
    } catch (Exception e) {
      log.error("{} run failed", variant.flag(), e);
      String msg =
          e instanceof ApiException ae
              ? "HTTP " + ae.getCode() + " " + ae.getResponseBody()
              : e.toString();
      return BurstResult.failed(variant, msg.lines().findFirst().orElse(msg));
    }
  }

  private static BurstResult burst(Variant variant, BurstOptions o, LocalControlPlane cp)
      throws Exception {
    ApiClient api = cp.apiClient();
    CoreV1Api core = new CoreV1Api(api);
    AppsV1Api apps = new AppsV1Api(api);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(NAMESPACE))).execute();
    List<String> nodes = PoolNodes.names("pool", o.nodes());
    PoolNodes.create(api, nodes, Map.of());
    NodeHeartbeat heartbeat =
        variant == Variant.K8S ? NodeHeartbeat.start(api, nodes, Duration.ofSeconds(10)) : null;
    SliceStage slice =
        switch (variant) {
          case PLAIN -> new PlainSlice(api, nodes, o.sandboxManagers(), o.maxStartDelay());
          case DIRECT ->
              new DirectSlice(
                  api, DirectLinks.onLoopback(nodes, o.sandboxManagers()), o.maxStartDelay());
          case K8S -> sandboxManagersOnly(api, nodes, o);
        };
    try (ReadyTracker tracker =
        new ReadyTracker(api, NAMESPACE, Workloads.APP_LABEL + "=" + FUNCTION)) {
      slice.start();
      createWorkload(variant, apps);
      tracker.start(Duration.ofSeconds(60));
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(50))
          .ignoreExceptions()
          .until(() -> slice.hasSynced() && workloadObserved(variant, apps));
      ApiWriteCounter counter = new ApiWriteCounter(api, cp.bearerToken());
      long writesBefore = counter.read();
      tracker.reset();
      long t0 = System.nanoTime();
      scale(variant, api, apps, o.pods());
      boolean allReady;
      try (Progress progress =
          Progress.follow(
              variant.flag() + " pods Ready", o.pods(), () -> tracker.readyTimes().size())) {
        allReady = tracker.awaitReady(o.pods(), o.timeout());
      }
      long writes = counter.read() - writesBefore;
      if (!allReady) {
        return BurstResult.failed(
            variant,
            "only "
                + tracker.readyTimes().size()
                + "/"
                + o.pods()
                + " pods Ready within "
                + o.timeout());
      }
      BurstStats stats = BurstStats.of(t0, tracker.readyTimes().values());
      List<String> problems =
          SliceChecks.problems(tracker.pods(), o.pods(), new HashSet<>(nodes), null);
      List<Double> readySeconds =
          tracker.readyTimes().values().stream().map(t -> (t - t0) / 1e9).toList();
      return new BurstResult(
          variant,
          stats,
          writes,
          problems.size() > 10 ? problems.subList(0, 10) : problems,
          null,
          readySeconds);
    } finally {
      slice.stop();
      if (heartbeat != null) {
        heartbeat.close();
      }
    }
  }

  /** K8s+: the real KCM and kube-scheduler do the work; only the kubelet stand-ins run here. */
  private static SliceStage sandboxManagersOnly(ApiClient api, List<String> nodes, BurstOptions o) {
    return new CompositeStage(
        PlainSlice.sandboxManagers(api, nodes, o.sandboxManagers(), o.maxStartDelay()));
  }

  private static void createWorkload(Variant variant, AppsV1Api apps) throws ApiException {
    if (variant == Variant.K8S) {
      apps.createNamespacedDeployment(NAMESPACE, Workloads.deployment(NAMESPACE, FUNCTION, 0))
          .execute();
    } else {
      apps.createNamespacedReplicaSet(
              NAMESPACE, Workloads.exampleReplicaSet(NAMESPACE, FUNCTION, 0))
          .execute();
    }
  }

  /** True once the controller in charge has reconciled the workload's current generation. */
  private static boolean workloadObserved(Variant variant, AppsV1Api apps) throws ApiException {
    if (variant == Variant.K8S) {
      V1Deployment d = apps.readNamespacedDeployment(FUNCTION, NAMESPACE).execute();
      return d.getStatus() != null
          && Objects.equals(d.getStatus().getObservedGeneration(), d.getMetadata().getGeneration());
    }
    V1ReplicaSet rs = apps.readNamespacedReplicaSet(FUNCTION, NAMESPACE).execute();
    return rs.getStatus() != null
        && Objects.equals(rs.getStatus().getObservedGeneration(), rs.getMetadata().getGeneration());
  }

  private static void scale(Variant variant, ApiClient api, AppsV1Api apps, int replicas)
      throws ApiException {
    V1Patch patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas + "}}");
    if (variant == Variant.K8S) {
      PatchUtils.patch(
          V1Deployment.class,
          () -> apps.patchNamespacedDeployment(FUNCTION, NAMESPACE, patch).buildCall(null),
          V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
          api);
    } else {
      PatchUtils.patch(
          V1ReplicaSet.class,
          () -> apps.patchNamespacedReplicaSet(FUNCTION, NAMESPACE, patch).buildCall(null),
          V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
          api);
    }
  }

  /** The result table (plain text, fixed-width columns). */
  static String render(BurstOptions o, List<BurstResult> results) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "Burst 0 -> %d pods, %d pool nodes, %d sandbox managers, sandbox start "
                + "delay 0-%d ms%n",
            o.pods(),
            o.nodes(),
            o.sandboxManagers(),
            o.maxStartDelay().toMillis()));
    sb.append(
        String.format(
            Locale.ROOT,
            "K8s+ settings: kube-controller-manager --kube-api-qps=%s "
                + "--kube-api-burst=%d, kube-scheduler --kube-api-qps=%s --kube-api-burst=%d%n",
            fmtQps(o.kcmQps()),
            o.kcmBurst(),
            fmtQps(o.schedulerQps()),
            o.schedulerBurst()));
    sb.append(
        "Times from the scale request to Ready as seen by an API-Server informer; API writes = mutating "
            + "requests of all clients until the last pod was Ready.\n");
    sb.append(
        "plain/direct scale a ReplicaSet; K8s+ scales a Deployment (one more stage) and its API writes "
            + "include the pool nodes' lease heartbeats (1 per node per 10 s).\n");
    String header =
        String.format(
            Locale.ROOT,
            "%-36s %8s %8s %8s %8s %9s %10s %11s  %s%n",
            "variant",
            "first",
            "p50",
            "p90",
            "p100",
            "pods/s",
            "API writes",
            "writes/pod",
            "end state");
    sb.append(header);
    sb.append("-".repeat(header.length() - 1)).append('\n');
    for (BurstResult r : results) {
      if (r.stats() == null) {
        sb.append(
            String.format(Locale.ROOT, "%-36s FAILED: %s%n", r.variant().description(), r.error()));
        continue;
      }
      BurstStats s = r.stats();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-36s %8s %8s %8s %8s %9.1f %10d %11.2f  %s%n",
              r.variant().description(),
              secs(s.firstReady()),
              secs(s.p50()),
              secs(s.p90()),
              secs(s.p100()),
              s.podsPerSecond(),
              r.apiWrites(),
              r.apiWrites() / (double) s.pods(),
              r.problems().isEmpty() ? "exact (" + s.pods() + " pods)" : "WRONG: " + r.problems()));
    }
    return sb.toString();
  }

  private static String secs(Duration d) {
    return String.format(Locale.ROOT, "%.2fs", d.toNanos() / 1e9);
  }

  private static String fmtQps(float qps) {
    return qps == Math.rint(qps) ? Long.toString((long) qps) : Float.toString(qps);
  }
}
