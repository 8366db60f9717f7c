package io.kubedirect.examples.bench.trace;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectChain;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.plain.K8sPlusChain;
import io.kubedirect.examples.faas.plain.PlainChain;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.report.HtmlReport;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the trace workload on in-JVM chains, one fresh local control plane per variant, and prints
 * the per-function delay table (and ratios between variants). The benchmark harness replaces it; it
 * exists for quick measurements. {@code --help} lists the flags ({@link TraceBenchOptions}).
 */
public final class TraceBench {

  private static final String NAMESPACE = "trace";

  private TraceBench() {}

  private static Logger log() {
    return LoggerFactory.getLogger(TraceBench.class);
  }

  /** Runs the bench; exit code 0 if every variant ran, 1 if one failed, 2 for bad flags. */
  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.println(TraceBenchOptions.USAGE);
      return;
    }
    TraceBenchOptions o;
    Trace trace;
    try {
      o = TraceBenchOptions.parse(args);
      trace = o.traceFile() != null ? Trace.read(o.traceFile()) : TraceGenerator.generate(o.spec());
      if (o.writeTrace() != null) {
        trace.write(o.writeTrace());
        System.err.println("trace written to " + o.writeTrace());
      }
    } catch (IllegalArgumentException | IOException e) {
      System.err.println(e.getMessage());
      System.err.println(TraceBenchOptions.USAGE);
      System.exit(2);
      return;
    }
    System.err.printf(
        "trace %s: %d functions, %d invocations over %d min (warm-up %d min), seed %d%n",
        trace.spec().name(),
        trace.functions().size(),
        trace.invocations().size(),
        trace.spec().minutes(),
        trace.spec().warmupMinutes(),
        trace.spec().seed());
    List<TraceResult> results = new ArrayList<>();
    boolean allRan = true;
    for (String variant : o.variants()) {
      System.err.println(variant + ": starting a fresh control plane and the chain");
      try {
        TraceResult r = run(variant, trace, o);
        results.add(r);
        r.writeJson(o.reportDir());
        TraceResult.Summary s = r.summary();
        System.err.printf(
            "%s: %d answered, %d failed, %d cold starts%n",
            variant, s.answered(), s.failed(), s.coldStarts());
      } catch (Exception e) {
        allRan = false;
        log().error("{} run failed", variant, e);
        System.err.println(variant + " failed: " + e.getMessage() + " (details in the log)");
      }
    }
    String table = TraceResult.table(results);
    System.out.print(table);
    try {
      HtmlReport html =
          new HtmlReport("kubedirect trace workload: " + trace.spec().name()).preformatted(table);
      if (!results.isEmpty()) {
        Path chart = TraceResult.cdfChart(o.reportDir().resolve("trace-cdf.png"), results);
        html.heading("Per-function delay (CDF)").image(chart, "CDF of per-function delay");
      }
      Path index = html.write(o.reportDir());
      System.out.println("Report: " + index.toAbsolutePath().toUri());
    } catch (IOException | RuntimeException e) {
      log().warn("cannot write the report", e);
      System.out.println("Could not write the report: " + e.getMessage());
    }
    System.exit(allRan ? 0 : 1);
  }

  /** Runs {@code trace} on {@code variant} on a fresh control plane. */
  static TraceResult run(String variant, Trace trace, TraceBenchOptions o) throws Exception {
    LocalControlPlane.Builder cpb = LocalControlPlane.builder();
    boolean stock = variant.startsWith("k8s");
    if (stock) {
      cpb.controllerManager(true)
          .scheduler(true)
          .controllers(List.of("deployment", "replicaset", "endpointslice", "garbagecollector"));
      if (variant.equals("k8s-tuned")) {
        cpb.controllerManagerRateLimit(5000, 10000).schedulerRateLimit(5000, 10000);
      }
    }
    AutoscalerConfig config =
        FunctionAutoscaling.chainDefaults(
            Map.of("scale-to-zero-grace-period", o.gracePeriod().toSeconds() + "s"));
    Duration startDelay = Duration.ofMillis(50);
    try (LocalControlPlane cp = cpb.start();
        HttpSandboxRuntime sandboxes =
            stock
                ? HttpSandboxRuntime.builder().listenOnPodAddress(true).build()
                : HttpSandboxRuntime.create()) {
      ApiClient api = cp.apiClient();
      new CoreV1Api(api)
          .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(NAMESPACE)))
          .execute();
      List<String> nodes = PoolNodes.names("pool", o.nodes());
      PoolNodes.create(api, nodes, Map.of());
      SliceStage chain;
      Activator activator;
      switch (variant) {
        case "plain" -> {
          PlainChain c =
              new PlainChain(api, nodes, o.sandboxManagers(), startDelay, sandboxes, config);
          chain = c;
          activator = c.activator();
        }
        case "direct" -> {
          DirectChain c =
              new DirectChain(api, nodes, o.sandboxManagers(), startDelay, sandboxes, config);
          chain = c;
          activator = c.activator();
        }
        default -> {
          K8sPlusChain c =
              new K8sPlusChain(
                  api, nodes, o.sandboxManagers(), startDelay, sandboxes, config, b -> b);
          chain = c;
          activator = c.activator();
        }
      }
      try (chain) {
        chain.start();
        await().atMost(Duration.ofSeconds(60)).until(chain::hasSynced);
        URI uri = URI.create("http://127.0.0.1:" + activator.address().getPort());
        TraceWorkload.Options options =
            new TraceWorkload.Options(
                1,
                o.maxScale(),
                "6s",
                1_000,
                Duration.ofSeconds(90),
                Duration.ofSeconds(180),
                Duration.ofSeconds(120),
                Duration.ofSeconds(2));
        TraceResult r =
            new TraceWorkload(trace, options)
                .run(new TraceWorkload.Target(variant, api, NAMESPACE, uri));
        log().info("{}: activator {}", variant, activator.metrics().snapshot());
        return r;
      }
    }
  }
}
