package io.kubedirect.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ApiWriteCounterTest {

  @Test
  void sumsOnlyMutatingVerbs() {
    String metrics =
        String.join(
            "\n",
            "# HELP apiserver_request_total [STABLE] Counter of apiserver requests",
            "# TYPE apiserver_request_total counter",
            "apiserver_request_total{code=\"201\",component=\"apiserver\",resource=\"pods\",verb=\"POST\"} 200",
            "apiserver_request_total{code=\"200\",component=\"apiserver\",resource=\"pods\",verb=\"PUT\"} 150",
            "apiserver_request_total{code=\"200\",resource=\"pods\",subresource=\"status\",verb=\"PATCH\"} 5",
            "apiserver_request_total{code=\"200\",resource=\"pods\",verb=\"DELETE\"} 3",
            "apiserver_request_total{code=\"200\",resource=\"pods\",verb=\"LIST\"} 99",
            "apiserver_request_total{code=\"200\",resource=\"pods\",verb=\"WATCH\"} 12",
            "apiserver_request_total{code=\"200\",resource=\"pods\",verb=\"GET\"} 7",
            "apiserver_request_duration_seconds_count{verb=\"POST\"} 1000",
            "apiserver_request_total{code=\"409\",resource=\"pods\",verb=\"POST\"} 1e+01");
    assertThat(ApiWriteCounter.sumWrites(metrics)).isEqualTo(200 + 150 + 5 + 3 + 10);
  }
}
