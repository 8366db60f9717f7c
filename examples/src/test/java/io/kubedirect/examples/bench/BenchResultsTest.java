package io.kubedirect.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchResultsTest {

  private static RunResult pods(String variant, double p90) {
    return new RunResult(
        "pods",
        1000,
        variant,
        "in-jvm",
        null,
        new TimeStats(1000, 0.1, p90 / 2, p90, p90 + 1),
        new TimeStats(1000, 0.1, p90 / 2, p90, p90 + 1.2),
        null,
        2.0,
        3000,
        Map.of(),
        List.of(),
        List.of(0.1, p90),
        List.of(0.1, p90 + 0.1));
  }

  private static BenchResults results(List<RunResult> runs) {
    Machine m = new Machine("2026-01-01T00:00:00Z", 2, "0.50 0.40 0.30", "Linux", "17");
    return new BenchResults(
        List.of("--workload", "pods"),
        BenchResults.Settings.of(BenchOptions.parse("--workload", "pods")),
        m,
        m,
        runs,
        BenchReport.ratios(runs),
        List.of());
  }

  private static BenchResults.TraceRun trace(String variant, double p50Ms, double p99Ms) {
    return new BenchResults.TraceRun(
        variant,
        "in-jvm",
        "short",
        12,
        new io.kubedirect.examples.bench.trace.TraceResult.Summary(
            100, 100, 100, 0, 10, 30, p50Ms, p99Ms, p50Ms, p99Ms, 1),
        null);
  }

  @Test
  void traceRatiosCompareDirectsPerFunctionDelayWithEachBaseline() {
    List<BenchResults.Ratio> ratios =
        TraceRuns.ratios(
            List.of(
                trace("direct", 100, 200),
                trace("k8s", 1000, 5000),
                new BenchResults.TraceRun("plain", "in-jvm", "short", 12, null, "failed")));
    assertThat(ratios)
        .extracting(
            BenchResults.Ratio::metric,
            BenchResults.Ratio::baseline,
            BenchResults.Ratio::ratio,
            BenchResults.Ratio::target)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("p99 function delay", "k8s", 25.0, 25.0),
            org.assertj.core.groups.Tuple.tuple("p50 function delay", "k8s", 10.0, 0.0));
    assertThat(TraceRuns.ratios(List.of(trace("k8s", 1, 2)))).isEmpty();
  }

  @Test
  void ratiosComparesDirectWithEachBaselineAgainstTheIssuesTargets() {
    List<BenchResults.Ratio> ratios =
        BenchReport.ratios(List.of(pods("plain", 3), pods("direct", 2), pods("k8s", 40)));
    assertThat(ratios)
        .extracting(
            BenchResults.Ratio::baseline, BenchResults.Ratio::ratio, BenchResults.Ratio::target)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("k8s", 20.0, 10.0),
            org.assertj.core.groups.Tuple.tuple("plain", 1.5, 1.5));
  }

  @Test
  void jsonRoundTripKeepsEveryFieldAndStageOrder() {
    Map<String, TimeStats> stages = new LinkedHashMap<>();
    stages.put("autoscaler", new TimeStats(3, 0.1, 0.2, 0.3, 0.3));
    stages.put("answered", new TimeStats(3, 0.5, 0.6, 0.7, 0.7));
    RunResult fns =
        new RunResult(
            "functions",
            3,
            "direct",
            "in-jvm",
            null,
            stages.get("answered"),
            null,
            stages.get("answered"),
            -1,
            51,
            stages,
            List.of(),
            List.of(0.5),
            List.of());
    BenchResults r = results(List.of(pods("direct", 2), fns));
    BenchResults back = BenchResults.fromJson(r.toJson());
    assertThat(back.runs().get(0)).isEqualTo(r.runs().get(0));
    assertThat(back.runs().get(1).stages().keySet()).containsExactly("autoscaler", "answered");
    assertThat(back.machineBefore().loadAverage()).isEqualTo("0.50 0.40 0.30");
    assertThat(back.commandLine()).containsExactly("--workload", "pods");
  }

  @Test
  void tableShowsFailuresAndRatiosWithTargetsAndTheReportIsWritten(@TempDir Path dir)
      throws Exception {
    RunResult failed =
        RunResult.failed(
            new PodsWorkload(
                1000,
                java.time.Duration.ofSeconds(1),
                java.time.Duration.ofSeconds(1),
                BenchOptions.Trigger.MIN_SCALE),
            BenchVariant.K8S_TUNED,
            "in-jvm",
            "boom");
    BenchResults r = results(List.of(pods("plain", 3), pods("direct", 2), pods("k8s", 40), failed));
    String table = BenchReport.render(r);
    assertThat(table)
        .contains("k8s-tuned  in-jvm  FAILED: boom")
        .contains("pods trigger min-scale")
        .contains("0 -> 1000 pods, trigger min-scale (times since the min-scale patch)")
        .contains("direct p90 Ready 20.0x sooner than k8s (target >= 10x: met)")
        .contains("direct p90 Ready 1.5x sooner than plain (target >= 1.5x: met)")
        .contains("load average 0.50 0.40 0.30");
    Path index = BenchReport.write(dir, "t", r);
    assertThat(index).exists();
    assertThat(dir.resolve("pods-1000.png")).exists();
    assertThat(BenchResults.fromJson(Files.readString(dir.resolve("results.json"))).runs())
        .hasSize(4);
  }
}
