package io.kubedirect.examples.bench.ceiling;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.bench.ReadyTracker;
import io.kubedirect.examples.faas.cluster.PoolNodes;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.DirectSlice;
import io.kubedirect.examples.faas.plain.PlainSlice;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.util.PatchUtils;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small burst with timestamps, to see where the time to the first Ready pod goes: the example
 * slice (plain or direct) scales a ReplicaSet 0 -> N on a fresh control plane, as {@code BurstDemo}
 * does, and this main logs the scale request (INFO, so that the stages' DEBUG logs line up with it)
 * and prints the first, median and last Ready time per run.
 *
 * <pre>
 * java ... -Dorg.slf4j.simpleLogger.log.io.kubedirect=debug \
 *     io.kubedirect.examples.bench.ceiling.SmallBurstTrace direct 30 3
 * </pre>
 */
public final class SmallBurstTrace {

  private static final Logger log = LoggerFactory.getLogger(SmallBurstTrace.class);
  private static final String NAMESPACE = "burst";
  private static final String FUNCTION = "fn";

  private SmallBurstTrace() {}

  /** Arguments: {@code plain|direct [pods] [runs]}. */
  public static void main(String[] args) throws Exception {
    if (args.length < 1 || !List.of("plain", "direct").contains(args[0])) {
      System.err.println(
          "Usage: SmallBurstTrace plain|direct [pods (default 30)] [runs (default 3)]");
      System.exit(2);
      return;
    }
    boolean direct = args[0].equals("direct");
    int pods;
    int runs;
    try {
      pods = args.length > 1 ? Integer.parseInt(args[1]) : 30;
      runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    } catch (NumberFormatException e) {
      System.err.println("pods and runs must be whole numbers: " + e.getMessage());
      System.exit(2);
      return;
    }
    if (pods < 1 || runs < 1) {
      System.err.println("pods and runs must be at least 1");
      System.exit(2);
      return;
    }
    for (int run = 1; run <= runs; run++) {
      List<Double> ready = burst(direct, pods, run);
      System.out.printf(
          Locale.ROOT,
          "%s run %d: first Ready %.2f s, p50 %.2f s, last %.2f s (%d pods)%n",
          args[0],
          run,
          ready.get(0),
          ready.get(ready.size() / 2),
          ready.get(ready.size() - 1),
          ready.size());
    }
    System.exit(0);
  }

  private static List<Double> burst(boolean direct, int pods, int run) throws Exception {
    try (LocalControlPlane cp = LocalControlPlane.builder().start()) {
      ApiClient api = cp.apiClient();
      AppsV1Api apps = new AppsV1Api(api);
      new CoreV1Api(api)
          .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(NAMESPACE)))
          .execute();
      List<String> nodes = PoolNodes.names("pool", 10);
      PoolNodes.create(api, nodes, Map.of());
      SliceStage slice =
          direct
              ? new DirectSlice(api, DirectLinks.onLoopback(nodes, 2), Duration.ofMillis(50))
              : new PlainSlice(api, nodes, 2, Duration.ofMillis(50));
      try (ReadyTracker tracker =
          new ReadyTracker(api, NAMESPACE, Workloads.APP_LABEL + "=" + FUNCTION)) {
        slice.start();
        apps.createNamespacedReplicaSet(
                NAMESPACE, Workloads.exampleReplicaSet(NAMESPACE, FUNCTION, 0))
            .execute();
        tracker.start(Duration.ofSeconds(60));
        await()
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(50))
            .ignoreExceptions()
            .until(() -> slice.hasSynced() && observed(apps));
        tracker.reset();
        log.info("run {}: scale request 0 -> {}", run, pods);
        long t0 = System.nanoTime();
        V1Patch patch = new V1Patch("{\"spec\":{\"replicas\":" + pods + "}}");
        PatchUtils.patch(
            V1ReplicaSet.class,
            () -> apps.patchNamespacedReplicaSet(FUNCTION, NAMESPACE, patch).buildCall(null),
            V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH,
            api);
        log.info("run {}: scale request answered", run);
        if (!tracker.awaitReady(pods, Duration.ofSeconds(60))) {
          throw new IllegalStateException("only " + tracker.readyTimes().size() + " pods Ready");
        }
        List<Double> ready = new ArrayList<>();
        tracker.readyTimes().values().forEach(t -> ready.add((t - t0) / 1e9));
        ready.sort(Double::compare);
        log.info("run {}: first Ready after {} s", run, ready.get(0));
        return ready;
      } finally {
        slice.stop();
      }
    }
  }

  private static boolean observed(AppsV1Api apps) throws Exception {
    V1ReplicaSet rs = apps.readNamespacedReplicaSet(FUNCTION, NAMESPACE).execute();
    return rs.getStatus() != null
        && Objects.equals(rs.getStatus().getObservedGeneration(), rs.getMetadata().getGeneration());
  }
}
