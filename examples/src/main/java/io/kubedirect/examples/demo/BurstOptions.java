package io.kubedirect.examples.demo;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Command-line options of {@link BurstDemo}.
 *
 * @param pods pods per burst (the ReplicaSet/Deployment is scaled 0 -> pods)
 * @param nodes pool nodes
 * @param sandboxManagers sandbox-manager instances (nodes are split among them)
 * @param maxStartDelay simulated sandbox start delay, uniform in [0, max]
 * @param variants which slices to run, in order
 * @param timeout how long one burst may take
 * @param kcmQps kube-controller-manager --kube-api-qps (K8s+ only)
 * @param kcmBurst kube-controller-manager --kube-api-burst
 * @param schedulerQps kube-scheduler --kube-api-qps
 * @param schedulerBurst kube-scheduler --kube-api-burst
 * @param reportDir where the HTML report and its charts go
 */
public record BurstOptions(
    int pods,
    int nodes,
    int sandboxManagers,
    Duration maxStartDelay,
    List<Variant> variants,
    Duration timeout,
    float kcmQps,
    int kcmBurst,
    float schedulerQps,
    int schedulerBurst,
    Path reportDir) {

  /** The slices the demo can run. */
  public enum Variant {
    /** The plain client-java slice, every hop through the API Server. */
    PLAIN("plain", "client-java slice via API Server"),
    /** The same slice retrofitted with kubedirect (direct links, write-back at the tail). */
    DIRECT("direct", "kubedirect slice (direct links)"),
    /**
     * Stock kube-controller-manager + kube-scheduler, plain SandboxManager as kubelet (the paper's
     * K8s+).
     */
    K8S("k8s", "K8s+: stock KCM + kube-scheduler");

    private final String flag;
    private final String description;

    Variant(String flag, String description) {
      this.flag = flag;
      this.description = description;
    }

    /** The name used on the command line. */
    public String flag() {
      return flag;
    }

    /** A one-line description for the table. */
    public String description() {
      return description;
    }

    static Variant parse(String s) {
      for (Variant v : values()) {
        if (v.flag.equals(s.trim().toLowerCase(Locale.ROOT))) {
          return v;
        }
      }
      throw new IllegalArgumentException("unknown variant '" + s + "' (plain, direct, k8s)");
    }
  }

  /** Usage text. */
  public static final String USAGE =
      String.join(
          "\n",
          "usage: BurstDemo [--pods N] [--nodes N] [--sandbox-managers N] [--max-start-delay-ms MS]",
          "                 [--variants plain,direct,k8s] [--timeout-s S]",
          "                 [--kcm-qps Q] [--kcm-burst B] [--scheduler-qps Q] [--scheduler-burst B] [--report DIR]",
          "defaults: --pods 200 --nodes 10 --sandbox-managers 2 --max-start-delay-ms 50 --variants plain,direct,k8s",
          "          --timeout-s 600; KCM 20/30 and scheduler 50/100 (the stock defaults); --report target/demo-report.",
          "          Benchmark: --pods 1000");

  /**
   * Parses {@code args}.
   *
   * @throws IllegalArgumentException on an unknown flag, a missing or malformed value or an invalid
   *     combination
   */
  public static BurstOptions parse(String... args) {
    int pods = 200;
    int nodes = 10;
    int managers = 2;
    long delayMs = 50;
    List<Variant> variants = List.of(Variant.PLAIN, Variant.DIRECT, Variant.K8S);
    long timeoutS = 600;
    float kcmQps = 20;
    int kcmBurst = 30;
    float schedQps = 50;
    int schedBurst = 100;
    Path reportDir = Path.of("target", "demo-report");
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value for " + flag);
      }
      String v = args[++i];
      try {
        switch (flag) {
          case "--pods" -> pods = Integer.parseInt(v);
          case "--nodes" -> nodes = Integer.parseInt(v);
          case "--sandbox-managers" -> managers = Integer.parseInt(v);
          case "--max-start-delay-ms" -> delayMs = Long.parseLong(v);
          case "--variants" -> {
            List<Variant> list = new ArrayList<>();
            for (String part : v.split(",")) {
              list.add(Variant.parse(part));
            }
            variants = List.copyOf(list);
          }
          case "--timeout-s" -> timeoutS = Long.parseLong(v);
          case "--kcm-qps" -> kcmQps = Float.parseFloat(v);
          case "--kcm-burst" -> kcmBurst = Integer.parseInt(v);
          case "--scheduler-qps" -> schedQps = Float.parseFloat(v);
          case "--scheduler-burst" -> schedBurst = Integer.parseInt(v);
          case "--report" -> reportDir = Path.of(v);
          default -> throw new IllegalArgumentException("unknown flag " + flag);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad number for " + flag + ": " + v, e);
      }
    }
    if (pods < 1
        || nodes < 1
        || managers < 1
        || managers > nodes
        || delayMs < 0
        || timeoutS < 1
        || variants.isEmpty()
        || !(kcmQps > 0)
        || kcmBurst < 1
        || !(schedQps > 0)
        || schedBurst < 1) {
      throw new IllegalArgumentException(
          "invalid options (need pods, nodes, timeout >= 1, "
              + "1 <= sandbox-managers <= nodes, delay >= 0, positive qps/burst)");
    }
    return new BurstOptions(
        pods,
        nodes,
        managers,
        Duration.ofMillis(delayMs),
        variants,
        Duration.ofSeconds(timeoutS),
        kcmQps,
        kcmBurst,
        schedQps,
        schedBurst,
        reportDir);
  }
}
