package io.kubedirect.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RunProfilerTest {

  private static final String BEFORE =
      """
      # HELP apiserver_request_total Counter of apiserver requests
      # TYPE apiserver_request_total counter
      apiserver_request_total{code="201",verb="POST",resource="pods",subresource=""} 10
      apiserver_request_total{code="200",verb="PUT",resource="pods",subresource="status"} 4
      etcd_request_duration_seconds_sum{operation="create",type="/registry/pods"} NaN
      apiserver_request_duration_seconds_sum{verb="POST",resource="pods"} 0.5
      """;

  private static final String AFTER =
      """
      apiserver_request_total{code="201",verb="POST",resource="pods",subresource=""} 110
      apiserver_request_total{code="200",verb="PUT",resource="pods",subresource="status"} 4
      apiserver_request_total{code="409",verb="PUT",resource="pods",subresource="status"} 3
      apiserver_request_duration_seconds_sum{verb="POST",resource="pods"} 2.5
      """;

  @Test
  void differencesKeepOnlyWhatChangedAndSkipCommentsAndNaN() {
    Map<String, Double> delta =
        RunProfiler.delta(RunProfiler.parse(BEFORE), RunProfiler.parse(AFTER));
    assertThat(delta)
        .containsOnly(
            Map.entry(
                "apiserver_request_total{code=\"201\",verb=\"POST\",resource=\"pods\",subresource=\"\"}",
                100.0),
            Map.entry(
                "apiserver_request_total{code=\"409\",verb=\"PUT\",resource=\"pods\",subresource=\"status\"}",
                3.0),
            Map.entry(
                "apiserver_request_duration_seconds_sum{verb=\"POST\",resource=\"pods\"}", 2.0));
  }

  @Test
  void aSampleKeySplitsIntoNameAndLabels() {
    RunProfiler.Sample s =
        RunProfiler.Sample.parse(
            "apiserver_request_total{code=\"201\",verb=\"POST\",resource=\"pods\",subresource=\"\"}");
    assertThat(s.name()).isEqualTo("apiserver_request_total");
    assertThat(s.label("verb")).isEqualTo("POST");
    assertThat(s.label("subresource")).isEmpty();
    assertThat(s.label("absent")).isEmpty();
  }

  @Test
  void threadCpuFoldsDigitsAndCountsOnlyTheRun() {
    String section =
        RunProfiler.threadSection(
            Map.of("11 C2 CompilerThre", 100L, "12 worker-1", 50L),
            Map.of("11 C2 CompilerThre", 400L, "12 worker-1", 150L, "13 worker-2", 100L),
            10);
    assertThat(section)
        .contains("5.0 s in all")
        .containsPattern("C2 CompilerThre\\s+3.0 s\\s+60.0%")
        .containsPattern("worker-N\\s+2.0 s\\s+40.0%");
  }

  @Test
  void readsThisJvmsThreads() {
    assertThat(RunProfiler.threadTicks())
        .isNotEmpty()
        .allSatisfy((k, v) -> assertThat(v).isNotNegative());
  }
}
