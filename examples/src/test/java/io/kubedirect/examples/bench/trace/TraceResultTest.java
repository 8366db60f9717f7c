package io.kubedirect.examples.bench.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceResultTest {

  @TempDir Path dir;

  /** One warm-up minute out of two. */
  private static final TraceSpec SPEC =
      new TraceSpec("t", 1, 3, 2, 1, 3, 1, 10, 0, 1, 0, 100, 1, 5, 1000);

  /** An answered request of {@code fn} due at {@code at}, sent on time, with that delay. */
  private static TraceResult.Request ok(String fn, long at, double delay, boolean cold) {
    return new TraceResult.Request(
        fn, at, at + 0.5, at + 0.5 + 100 + delay, 200, 100, cold, "ns/p", null);
  }

  private static TraceResult.Request failed(String fn, long at, int status, String problem) {
    return new TraceResult.Request(fn, at, at, at + 60_000, status, 100, false, null, problem);
  }

  private static TraceResult result(String variant, List<TraceResult.Request> requests) {
    return new TraceResult(variant, SPEC, "2026-11-30T10:00:00Z", requests, List.of());
  }

  @Test
  void delaysAreResponseTimeMinusExecutionTimeAveragedPerFunction() {
    List<TraceResult.Request> rs = new ArrayList<>();
    rs.add(ok("fn-a", 1_000, 5_000, true)); // warm-up: left out
    rs.add(ok("fn-a", 60_000, 900, true));
    rs.add(ok("fn-a", 61_000, 100, false));
    rs.add(ok("fn-b", 62_000, 40, false));
    rs.add(failed("fn-b", 63_000, 503, "queue full"));
    rs.add(failed("fn-c", 64_000, -1, "timeout"));
    TraceResult r = result("direct", rs);

    assertThat(r.measured()).hasSize(5);
    assertThat(r.functionStats())
        .containsExactly(
            new TraceResult.FunctionStats("fn-a", 2, 2, 0, 1, 500.0, 900.0),
            new TraceResult.FunctionStats("fn-b", 2, 1, 1, 0, 40.0, 40.0),
            new TraceResult.FunctionStats("fn-c", 1, 0, 1, 0, null, null));
    TraceResult.Summary s = r.summary();
    assertThat(s.sent()).isEqualTo(6);
    assertThat(s.measured()).isEqualTo(5);
    assertThat(s.answered()).isEqualTo(3);
    assertThat(s.failed()).isEqualTo(2);
    assertThat(s.answered() + s.failed()).isEqualTo(s.measured());
    assertThat(s.coldStarts()).isEqualTo(1);
    assertThat(s.functions()).isEqualTo(2);
    assertThat(s.p50FunctionDelayMs()).isCloseTo(40, within(1e-9));
    assertThat(s.p99FunctionDelayMs()).isCloseTo(500, within(1e-9));
    assertThat(s.p50RequestDelayMs()).isCloseTo(100, within(1e-9));
    assertThat(s.p99RequestDelayMs()).isCloseTo(900, within(1e-9));
    assertThat(s.maxSendLagMs()).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void percentilesAreNearestRank() {
    List<Double> hundred = IntStream.rangeClosed(1, 100).mapToObj(i -> (double) i).toList();
    assertThat(TraceResult.percentile(hundred, 50)).isEqualTo(50);
    assertThat(TraceResult.percentile(hundred, 99)).isEqualTo(99);
    assertThat(TraceResult.percentile(hundred, 100)).isEqualTo(100);
    assertThat(TraceResult.percentile(List.of(3.0, 1.0, 2.0), 50)).isEqualTo(2);
    assertThat(TraceResult.percentile(List.of(7.0), 99)).isEqualTo(7);
    assertThat(TraceResult.percentile(List.of(), 50)).isNaN();
    assertThatThrownBy(() -> TraceResult.percentile(hundred, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theJsonReadsBackAndCarriesTheSummary() throws Exception {
    TraceResult r =
        result(
            "plain", List.of(ok("fn-a", 60_000, 10, true), failed("fn-b", 61_000, -1, "timeout")));
    Path file = r.writeJson(dir);
    assertThat(file.getFileName().toString()).isEqualTo("trace-plain.json");
    String json = Files.readString(file);
    assertThat(json).contains("\"summary\"", "\"p99FunctionDelayMs\"", "\"functions\"");
    TraceResult back = TraceResult.fromJson(json);
    assertThat(back).isEqualTo(r);
    assertThat(back.summary()).isEqualTo(r.summary());
    assertThatThrownBy(() -> TraceResult.fromJson("{}"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a trace result");
  }

  @Test
  void theTableShowsEachVariantAndTheRatiosAndTheChartIsWritten() throws Exception {
    TraceResult direct = result("direct", List.of(ok("fn-a", 60_000, 10, true)));
    TraceResult k8s = result("k8s", List.of(ok("fn-a", 60_000, 300, true)));
    for (List<TraceResult> order : List.of(List.of(k8s, direct), List.of(direct, k8s))) {
      assertThat(TraceResult.table(order))
          .contains("direct ", "k8s ", "per-function delay k8s / direct: p50 30.0x, p99 30.0x");
    }
    Path png = TraceResult.cdfChart(dir.resolve("cdf.png"), List.of(direct, k8s));
    assertThat(Files.size(png)).isPositive();
  }
}
