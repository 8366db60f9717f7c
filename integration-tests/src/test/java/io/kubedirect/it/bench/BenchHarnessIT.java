package io.kubedirect.it.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.bench.BenchMain;
import io.kubedirect.examples.bench.BenchOptions;
import io.kubedirect.examples.bench.BenchResults;
import io.kubedirect.examples.bench.FunctionsWorkload;
import io.kubedirect.examples.bench.RunResult;
import io.kubedirect.examples.bench.StageClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The benchmark harness end to end at tiny sizes: the pods workload (N = 3) and the functions
 * workload (F = 3) on the in-JVM plain and direct chains, each on a fresh local control plane.
 * Every run completes with the exact end state, every pod counts once in each summary, the
 * per-stage breakdown covers every function at every stage, and the report files exist. Checks
 * completeness and consistency only, never speed.
 */
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class BenchHarnessIT {

  @Test
  void podsAndFunctionsWorkloadsOnPlainAndDirectProduceCompleteConsistentResults(@TempDir Path dir)
      throws Exception {
    BenchOptions options =
        BenchOptions.parse(
            "--workload",
            "pods,functions",
            "--pods",
            "3",
            "--functions",
            "3",
            "--variants",
            "plain,direct",
            "--nodes",
            "3",
            "--service-time-ms",
            "200",
            "--timeout-s",
            "120",
            "--warmup",
            "3",
            "--report",
            dir.toString());
    BenchResults results = BenchMain.run(options, "harness IT", false);
    assertThat(results.options().trigger())
        .as("the harness's default trigger")
        .isEqualTo("min-scale");

    assertThat(results.runs())
        .extracting(RunResult::workload, RunResult::variant)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("pods", "plain"),
            org.assertj.core.groups.Tuple.tuple("pods", "direct"),
            org.assertj.core.groups.Tuple.tuple("functions", "plain"),
            org.assertj.core.groups.Tuple.tuple("functions", "direct"));
    for (RunResult r : results.runs()) {
      assertThat(r.ok()).as(r.toString()).isTrue();
      assertThat(r.ready().count()).as("pods Ready, each once: " + r).isEqualTo(3);
      assertThat(r.readySeconds()).hasSize(3);
      assertThat(r.routable().count()).as("routable: " + r).isEqualTo(3);
      assertThat(r.ready().first()).isLessThanOrEqualTo(r.ready().p50());
      assertThat(r.ready().p50()).isLessThanOrEqualTo(r.ready().p90());
      assertThat(r.ready().p90()).isLessThanOrEqualTo(r.ready().p100());
      assertThat(r.apiWrites()).isPositive();
      if (r.workload().equals("pods")) {
        assertThat(r.decisionSeconds()).as("autoscaler decided N: " + r).isNotNegative();
        assertThat(r.served().count()).as("pods that served: " + r).isEqualTo(3);
      } else {
        for (String stage : StageClock.STAGES) {
          assertThat(r.stages().get(stage)).as(stage + " of " + r).isNotNull();
          assertThat(r.stages().get(stage).count()).as(stage).isEqualTo(3);
        }
        assertThat(r.stages().get("answered").count()).isEqualTo(3);
        assertThat(r.stages().keySet()).containsSubsequence(FunctionsWorkload.STAGE_KEYS);
      }
    }
    assertThat(dir.resolve("index.html")).exists();
    assertThat(dir.resolve("pods-3.png")).exists();
    assertThat(dir.resolve("functions-3-stages.png")).exists();
    BenchResults back = BenchResults.fromJson(Files.readString(dir.resolve("results.json")));
    assertThat(back.runs()).hasSize(4);
    assertThat(back.machineBefore().processors()).isPositive();
  }
}
