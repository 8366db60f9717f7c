package io.kubedirect.examples.demo;

import io.kubedirect.examples.bench.BenchMain;
import io.kubedirect.examples.bench.BenchOptions;
import io.kubedirect.examples.bench.BenchResults;
import io.kubedirect.examples.bench.RunResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The burst demo ({@code ./hack/demo.sh}): a burst of HTTP requests to a function at zero, sent
 * through the whole chain (activator, autoscaler, deployment, replicaset, scheduler, sandbox
 * managers), once per variant (plain client-java, kubedirect, stock Kubernetes), each on a fresh
 * local control plane. It is the benchmark harness's pods workload ({@link
 * io.kubedirect.examples.bench.PodsWorkload}) with demo defaults: while a burst runs the terminal
 * shows pods Ready in the API Server, pods routable at the activator and requests served; then the
 * table and the path of the HTML report. Every flag of {@link BenchOptions} is accepted and
 * overrides the defaults. Exit code 0 only if every run ended exactly right.
 */
public final class BurstDemo {

  /** The demo's defaults, before the user's flags. */
  public static final List<String> DEFAULTS =
      List.of(
          "--workload",
          "pods",
          "--trigger",
          "requests",
          "--pods",
          "200",
          "--variants",
          "plain,direct,k8s",
          "--warmup",
          "100",
          "--report",
          "target/demo-report");

  private BurstDemo() {}

  /** Runs the demo; {@code --help} lists the flags. */
  public static void main(String[] args) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      System.out.println("BurstDemo: the harness's pods workload with the defaults " + DEFAULTS);
      System.out.println(BenchOptions.USAGE.replace("BenchMain", "BurstDemo"));
      return;
    }
    List<String> all = new ArrayList<>(DEFAULTS);
    all.addAll(Arrays.asList(args));
    BenchOptions options;
    try {
      options = BenchOptions.parse(all.toArray(String[]::new));
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println("(BurstDemo --help lists the flags)");
      System.exit(2);
      return;
    }
    BenchResults results = BenchMain.run(options, "kubedirect burst demo", true);
    System.exit(results.runs().stream().allMatch(RunResult::ok) ? 0 : 1);
  }
}
