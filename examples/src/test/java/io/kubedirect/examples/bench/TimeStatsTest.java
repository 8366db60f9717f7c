package io.kubedirect.examples.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class TimeStatsTest {

  @Test
  void nearestRankPercentilesOfUnsortedTimes() {
    List<Double> s = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      s.add((double) i);
    }
    Collections.shuffle(s);
    TimeStats t = TimeStats.of(s);
    assertThat(t.count()).isEqualTo(10);
    assertThat(t.first()).isEqualTo(1.0);
    assertThat(t.p50()).isEqualTo(5.0);
    assertThat(t.p90()).isEqualTo(9.0);
    assertThat(t.p100()).isEqualTo(10.0);
    assertThat(t.perSecond()).isEqualTo(1.0);
  }

  @Test
  void oneEventIsEveryPercentile() {
    TimeStats t = TimeStats.of(List.of(0.25));
    assertThat(List.of(t.first(), t.p50(), t.p90(), t.p100())).containsOnly(0.25);
  }

  @Test
  void rejectsNoEventsNegativeTimesAndNaN() {
    assertThatThrownBy(() -> TimeStats.of(List.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no events");
    assertThatThrownBy(() -> TimeStats.of(List.of(1.0, -0.5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("before the start");
    assertThatThrownBy(() -> TimeStats.of(List.of(Double.NaN)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
