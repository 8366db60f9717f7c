package io.kubedirect.it.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.bench.trace.Trace;
import io.kubedirect.examples.bench.trace.TraceGenerator;
import io.kubedirect.examples.bench.trace.TraceResult;
import io.kubedirect.examples.bench.trace.TraceSpec;
import io.kubedirect.examples.bench.trace.TraceWorkload;
import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectChain;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.plain.PlainChain;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trace workload on the in-JVM plain and direct chains (real kube-apiserver): a tiny trace (5
 * functions, its first 30 s) replayed open-loop; every invocation is sent once and accounted for,
 * every request is answered 200 with a non-negative delay, each function's first request is a cold
 * start, the functions are gone afterwards, and the JSON results and the CDF chart are written.
 */
@LocalKubernetes
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class TraceWorkloadIT {

  private static final Logger log = LoggerFactory.getLogger(TraceWorkloadIT.class);

  /** 5 functions, about 20 invocations per minute each, no idle minutes; the first 30 s. */
  private static final Trace TRACE =
      TraceGenerator.generate(
              new TraceSpec("it", 5, 5, 1, 0, 20, 1.0, 60, 0.15, 3, 0, 50, 0.8, 5, 500))
          .firstSeconds(30);

  @TempDir Path reportDir;

  private interface ChainFactory {
    SliceStage create(List<String> nodes, HttpSandboxRuntime sandboxes, AutoscalerConfig config);
  }

  @Test
  void plainAndDirectChainsAnswerEveryInvocationOfTheTrace(ApiClient api) throws Exception {
    assertThat(TRACE.functions()).hasSize(5);
    List<TraceResult> results = new ArrayList<>();
    results.add(
        run(
            api,
            "plain",
            (nodes, sandboxes, config) ->
                new PlainChain(api, nodes, 2, Duration.ofMillis(50), sandboxes, config)));
    results.add(
        run(
            api,
            "direct",
            (nodes, sandboxes, config) ->
                new DirectChain(api, nodes, 2, Duration.ofMillis(50), sandboxes, config)));
    log.info("trace {} invocations:\n{}", TRACE.invocations().size(), TraceResult.table(results));

    for (TraceResult r : results) {
      int n = TRACE.invocations().size();
      TraceResult.Summary s = r.summary();
      assertThat(r.requests()).as(r.variant()).hasSize(n);
      assertThat(s.sent()).as(r.variant() + " sent").isEqualTo(n);
      assertThat(s.answered() + s.failed()).as(r.variant() + " answered + failed").isEqualTo(n);
      assertThat(r.requests())
          .as(r.variant())
          .allSatisfy(
              q -> {
                assertThat(q.ok()).as(q.toString()).isTrue();
                assertThat(q.delayMs()).as(q.toString()).isNotNegative();
                assertThat(q.pod()).as(q.toString()).isNotNull();
              });
      assertThat(s.failed()).isZero();
      assertThat(s.coldStarts())
          .as(r.variant() + ": each function's first request finds it at zero")
          .isGreaterThanOrEqualTo(TRACE.functions().size());
      assertThat(s.functions()).isEqualTo(TRACE.functions().size());
      assertThat(r.notes()).as(r.variant() + ": clean-up").isEmpty();

      Path json = r.writeJson(reportDir);
      assertThat(TraceResult.fromJson(Files.readString(json)).summary()).isEqualTo(s);
    }
    Path chart = TraceResult.cdfChart(reportDir.resolve("trace-cdf.png"), results);
    assertThat(chart).exists();
    assertThat(Files.size(chart)).isPositive();
  }

  private TraceResult run(ApiClient api, String variant, ChainFactory factory) throws Exception {
    CoreV1Api core = new CoreV1Api(api);
    String id = UUID.randomUUID().toString().substring(0, 6);
    String namespace = "trace-" + id;
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(namespace))).execute();
    List<String> nodes = PoolNodes.names("pool-" + id, 4);
    PoolNodes.create(api, nodes, Map.of());
    AutoscalerConfig config =
        FunctionAutoscaling.chainDefaults(Map.of("scale-to-zero-grace-period", "2s"));
    try (HttpSandboxRuntime sandboxes = HttpSandboxRuntime.create();
        SliceStage chain = factory.create(nodes, sandboxes, config)) {
      chain.start();
      await().atMost(Duration.ofSeconds(60)).until(chain::hasSynced);
      Activator activator =
          chain instanceof PlainChain p ? p.activator() : ((DirectChain) chain).activator();
      URI uri = URI.create("http://127.0.0.1:" + activator.address().getPort());
      TraceResult r =
          new TraceWorkload(TRACE).run(new TraceWorkload.Target(variant, api, namespace, uri));
      log.info("{}: activator {}", variant, activator.metrics().snapshot());
      assertThat(activator.metrics().snapshot().proxied()).isEqualTo(TRACE.invocations().size());
      return r;
    } finally {
      for (String n : nodes) {
        try {
          core.deleteNode(n).execute();
        } catch (ApiException e) {
          log.warn("cannot delete node {}: HTTP {}", n, e.getCode());
        }
      }
    }
  }
}
