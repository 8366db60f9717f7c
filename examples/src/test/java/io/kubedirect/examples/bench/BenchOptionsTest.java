package io.kubedirect.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchOptionsTest {

  @Test
  void defaultsAreTheIssuesSizesOnAllVariantsInJvm() {
    BenchOptions o = BenchOptions.parse();
    assertThat(o.workloads()).containsExactly("pods", "functions");
    assertThat(o.pods()).containsExactly(100, 500, 1000);
    assertThat(o.functions()).containsExactly(100, 500);
    assertThat(o.variants()).containsExactly(BenchVariant.values());
    assertThat(o.mode()).isEqualTo(BenchOptions.Mode.IN_JVM);
    assertThat(o.reportDir()).isEqualTo(Path.of("target", "bench-report"));
    assertThat(o.trigger()).isEqualTo(BenchOptions.Trigger.MIN_SCALE);
    assertThat(o.stageJavaOptions()).isEmpty();
    assertThat(o.profile()).isFalse();
    assertThat(o.warmup()).isEqualTo(200);
  }

  @Test
  void warmsUpEachJavaChainOnceInJvmOnly() {
    assertThat(BenchMain.warmUpChains(BenchOptions.parse()))
        .containsExactly(BenchVariant.PLAIN, BenchVariant.DIRECT);
    assertThat(BenchMain.warmUpChains(BenchOptions.parse("--variants", "direct")))
        .containsExactly(BenchVariant.DIRECT);
    assertThat(BenchMain.warmUpChains(BenchOptions.parse("--variants", "k8s,k8s-tuned")))
        .containsExactly(BenchVariant.PLAIN);
    assertThat(BenchMain.warmUpChains(BenchOptions.parse("--mode", "process"))).isEmpty();
    assertThat(BenchMain.warmUpChains(BenchOptions.parse("--warmup", "0"))).isEmpty();
    assertThat(BenchMain.warmUpChains(BenchOptions.parse("--workload", "trace"))).isEmpty();
    assertThat(BenchResults.Settings.of(BenchOptions.parse("--warmup=50")).warmup()).isEqualTo(50);
  }

  @Test
  void profileIsAFlagWithoutAValue() {
    BenchOptions o = BenchOptions.parse("--profile", "--pods", "10");
    assertThat(o.profile()).isTrue();
    assertThat(o.pods()).containsExactly(10);
    assertThat(BenchOptions.parse("--pods", "10", "--profile").profile()).isTrue();
  }

  @Test
  void parsesTheTracePresetAndSeed() {
    BenchOptions d = BenchOptions.parse();
    assertThat(d.tracePreset()).isEqualTo("short");
    assertThat(d.traceSeed()).isEqualTo(12);
    BenchOptions o =
        BenchOptions.parse("--workload", "trace", "--trace-preset", "LONG", "--trace-seed=7");
    assertThat(o.workloads()).containsExactly("trace");
    assertThat(o.tracePreset()).isEqualTo("long");
    assertThat(o.traceSeed()).isEqualTo(7);
    assertThat(BenchResults.Settings.of(o).tracePreset()).isEqualTo("long");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> BenchOptions.parse("--trace-preset", "medium"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("medium");
  }

  @Test
  void parsesTheTriggerAndTheStageJavaOptions() {
    BenchOptions o =
        BenchOptions.parse(
            "--trigger", "requests", "--stage-java-opts", " -Xmx512m  -XX:+UseSerialGC ");
    assertThat(o.trigger()).isEqualTo(BenchOptions.Trigger.REQUESTS);
    assertThat(o.stageJavaOptions()).containsExactly("-Xmx512m", "-XX:+UseSerialGC");
    assertThat(BenchOptions.parse("--trigger=min-scale", "--stage-java-opts=").trigger())
        .isEqualTo(BenchOptions.Trigger.MIN_SCALE);
    assertThat(BenchResults.Settings.of(o).trigger()).isEqualTo("requests");
  }

  @Test
  void parsesEveryFlagInBothForms() {
    BenchOptions o =
        BenchOptions.parse(
            "--workload=all",
            "--pods",
            "5,10",
            "--functions=3",
            "--variants",
            "direct,k8s-tuned",
            "--mode",
            "process",
            "--report",
            "out",
            "--nodes",
            "4",
            "--sandbox-managers",
            "4",
            "--max-start-delay-ms",
            "0",
            "--service-time-ms",
            "100",
            "--timeout-s",
            "30",
            "--tuned-qps",
            "100",
            "--tuned-burst",
            "200");
    assertThat(o.workloads()).containsExactly("pods", "functions", "trace");
    assertThat(o.pods()).containsExactly(5, 10);
    assertThat(o.functions()).containsExactly(3);
    assertThat(o.variants()).containsExactly(BenchVariant.DIRECT, BenchVariant.K8S_TUNED);
    assertThat(o.mode()).isEqualTo(BenchOptions.Mode.PROCESS);
    assertThat(o.reportDir()).isEqualTo(Path.of("out"));
    assertThat(o.nodes()).isEqualTo(4);
    assertThat(o.sandboxManagers()).isEqualTo(4);
    assertThat(o.maxStartDelay()).isZero();
    assertThat(o.serviceTime()).isEqualTo(Duration.ofMillis(100));
    assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.tunedQps()).isEqualTo(100f);
    assertThat(o.tunedBurst()).isEqualTo(200);
    assertThat(o.commandLine()).hasSize(24).startsWith("--workload=all");
  }

  @Test
  void laterFlagsOverrideEarlierOnesAndDuplicatesCollapse() {
    BenchOptions o =
        BenchOptions.parse("--pods", "200", "--pods", "7", "--variants", "plain,plain,direct");
    assertThat(o.pods()).containsExactly(7);
    assertThat(o.variants()).containsExactly(BenchVariant.PLAIN, BenchVariant.DIRECT);
  }

  @Test
  void badInputGetsAClearError() {
    assertError(List.of("--pods", "0"), "--pods must be a whole number >= 1");
    assertError(List.of("--pods", "1,x"), "--pods needs a whole number, got 'x'");
    assertError(List.of("--functions"), "missing value for --functions");
    assertError(List.of("--variants", "knative"), "unknown variant 'knative'");
    assertError(List.of("--workload", "trees"), "unknown workload 'trees'");
    assertError(List.of("--mode", "fast"), "unknown mode 'fast'");
    assertError(List.of("--trigger", "cron"), "unknown trigger 'cron' (min-scale or requests)");
    assertError(List.of("--max-start-delay-ms", "-1"), "must not be negative");
    assertError(List.of("--frobnicate", "1"), "unknown flag --frobnicate");
    assertError(List.of("--nodes", "2", "--sandbox-managers", "3"), "must not exceed --nodes (2)");
  }

  private static void assertError(List<String> args, String message) {
    assertThatThrownBy(() -> BenchOptions.parse(args.toArray(String[]::new)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(message);
  }
}
