package io.kubedirect.examples.bench.ceiling;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.ContentType;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.StatusWrite;
import java.util.List;
import org.junit.jupiter.api.Test;

class CeilingReportTest {

  static CeilingResult result(ContentType t, int c, int pods, double seconds, String error) {
    return new CeilingResult(
        t,
        StatusWrite.PATCH,
        c,
        pods,
        (long) (seconds * 1e9),
        new double[] {1.5, 9.25},
        new double[] {2, 10},
        0.5,
        1.25,
        error);
  }

  @Test
  void writesPerSecondCountTwoWritesPerPod() {
    CeilingResult r = result(ContentType.JSON, 4, 1000, 4.0, null);
    assertThat(r.writes()).isEqualTo(2000);
    assertThat(r.writesPerSecond()).isEqualTo(500.0);
    assertThat(result(ContentType.JSON, 4, 0, 0, "x").writesPerSecond()).isZero();
  }

  @Test
  void percentilesAreNearestRankAndLeaveTheInputAlone() {
    long[] nanos = new long[100];
    for (int i = 0; i < 100; i++) {
      nanos[i] = (100 - i) * 1_000_000L; // 100 ms .. 1 ms, unsorted
    }
    double[] p = CeilingResult.percentilesMillis(nanos);
    assertThat(p).containsExactly(50.0, 99.0);
    assertThat(nanos[0]).isEqualTo(100_000_000L);
    assertThat(CeilingResult.percentilesMillis(new long[0])).containsExactly(0, 0);
  }

  @Test
  void theBestIsTheFastestSuccessfulCombination() {
    List<CeilingResult> rs =
        List.of(
            result(ContentType.JSON, 1, 100, 1.0, null),
            result(ContentType.PROTOBUF, 64, 100, 0.1, "HTTP 500"),
            result(ContentType.PROTOBUF, 16, 100, 0.5, null));
    assertThat(CeilingReport.best(rs)).get().extracting(CeilingResult::concurrency).isEqualTo(16);
    String table = CeilingReport.table(rs);
    assertThat(table).contains("FAILED: HTTP 500").contains("best: 400.0 writes/s (protobuf");
  }

  @Test
  void theJsonResultCarriesEveryCombinationAndTheBest() {
    List<CeilingResult> rs =
        List.of(
            result(ContentType.JSON, 8, 100, 1.0, null),
            result(ContentType.PROTOBUF, 8, 100, 0.8, null));
    JsonObject j =
        JsonParser.parseString(CeilingReport.json(CeilingOptions.parse(), rs, "2026-01-01T00:00Z"))
            .getAsJsonObject();
    assertThat(j.get("podsPerCombination").getAsInt()).isEqualTo(1000);
    assertThat(j.getAsJsonArray("results")).hasSize(2);
    JsonObject best = j.getAsJsonObject("best");
    assertThat(best.get("contentType").getAsString()).isEqualTo("protobuf");
    assertThat(best.get("writesPerSecond").getAsDouble()).isEqualTo(250.0);
    assertThat(best.get("createP99Ms").getAsDouble()).isEqualTo(9.25);
    assertThat(best.get("loadAfter").getAsDouble()).isEqualTo(1.25);
  }

  @Test
  void theLoadAverageIsTheFirstFieldOfProcLoadavg() {
    assertThat(CeilingReport.loadAverage("3.39 2.37 3.05 2/1234 5678\n")).isEqualTo(3.39);
    assertThat(CeilingReport.loadAverage("")).isEqualTo(-1);
    assertThat(CeilingReport.loadAverage("n/a")).isEqualTo(-1);
  }
}
