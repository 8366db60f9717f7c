package io.kubedirect.examples.bench.trace;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Command-line options of {@link TraceBench}.
 *
 * @param variants the chains to run, in order ({@code plain}, {@code direct}, {@code k8s}, {@code
 *     k8s-tuned})
 * @param spec the trace to generate (unless {@code traceFile} is given)
 * @param traceFile a trace CSV to replay instead (null: generate {@code spec})
 * @param writeTrace where to write the trace's CSV (null: nowhere)
 * @param reportDir where the JSON results, the chart and the HTML report go
 * @param nodes pool nodes
 * @param sandboxManagers sandbox managers (nodes are split among them)
 * @param maxScale most pods per function
 * @param gracePeriod the autoscaler's scale-to-zero grace period
 */
public record TraceBenchOptions(
    List<String> variants,
    TraceSpec spec,
    Path traceFile,
    Path writeTrace,
    Path reportDir,
    int nodes,
    int sandboxManagers,
    int maxScale,
    Duration gracePeriod) {

  /** The variants {@link TraceBench} can start. */
  public static final Set<String> VARIANTS = Set.of("plain", "direct", "k8s", "k8s-tuned");

  /** The help text. */
  public static final String USAGE =
      """
      Usage: TraceBench [flags]
        --variants LIST        plain,direct,k8s,k8s-tuned (default plain,direct)
        --preset NAME          short (30 functions, 2 min) or long (200 functions, 12 min,
                               2 min warm-up); default short
        --seed N               the trace's seed (default 12)
        --trace FILE           replay this trace CSV instead of generating one
        --write-trace FILE     also write the trace as CSV
        --report DIR           results, chart and HTML report (default target/trace-report)
        --nodes N              pool nodes (default 10)
        --sandbox-managers N   sandbox managers (default 2)
        --max-scale N          most pods per function (default 10)
        --grace-seconds S      scale-to-zero grace period (default 10)""";

  /**
   * Parses {@code args}.
   *
   * @throws IllegalArgumentException with a message naming the bad flag or value
   */
  public static TraceBenchOptions parse(String[] args) {
    List<String> variants = List.of("plain", "direct");
    String preset = "short";
    long seed = TraceSpec.DEFAULT_SEED;
    Path traceFile = null;
    Path writeTrace = null;
    Path reportDir = Path.of("target", "trace-report");
    int nodes = 10;
    int sandboxManagers = 2;
    int maxScale = 10;
    int grace = 10;
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--variants" -> {
          List<String> vs = new ArrayList<>();
          for (String v : value.split(",")) {
            if (!VARIANTS.contains(v.trim())) {
              throw new IllegalArgumentException(
                  "unknown variant '" + v + "' (expected plain, direct, k8s, k8s-tuned)");
            }
            vs.add(v.trim());
          }
          variants = List.copyOf(vs);
        }
        case "--preset" -> preset = value;
        case "--seed" -> seed = parseLong(flag, value);
        case "--trace" -> traceFile = Path.of(value);
        case "--write-trace" -> writeTrace = Path.of(value);
        case "--report" -> reportDir = Path.of(value);
        case "--nodes" -> nodes = positive(flag, value);
        case "--sandbox-managers" -> sandboxManagers = positive(flag, value);
        case "--max-scale" -> maxScale = positive(flag, value);
        case "--grace-seconds" -> grace = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (sandboxManagers > nodes) {
      throw new IllegalArgumentException("--sandbox-managers must be at most --nodes");
    }
    return new TraceBenchOptions(
        variants,
        TraceSpec.preset(preset, seed),
        traceFile,
        writeTrace,
        reportDir,
        nodes,
        sandboxManagers,
        maxScale,
        Duration.ofSeconds(grace));
  }

  private static long parseLong(String flag, String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a number, got '" + value + "'");
    }
  }

  private static int positive(String flag, String value) {
    long v = parseLong(flag, value);
    if (v < 1 || v > 100_000) {
      throw new IllegalArgumentException(flag + " must be 1..100000, got " + v);
    }
    return (int) v;
  }
}
