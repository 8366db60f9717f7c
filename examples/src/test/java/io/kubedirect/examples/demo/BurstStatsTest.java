package io.kubedirect.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BurstStatsTest {

  @Test
  void nearestRankPercentilesAndThroughput() {
    List<Long> ready = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      ready.add(
          1_000L + i * 1_000_000_000L); // pod i Ready i seconds after the start (t0 = 1000 ns)
    }
    BurstStats s = BurstStats.of(1_000L, ready);
    assertThat(s.pods()).isEqualTo(10);
    assertThat(s.firstReady()).isEqualTo(Duration.ofSeconds(1));
    assertThat(s.p50()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.p90()).isEqualTo(Duration.ofSeconds(9));
    assertThat(s.p100()).isEqualTo(Duration.ofSeconds(10));
    assertThat(s.podsPerSecond()).isEqualTo(1.0);
  }

  @Test
  void rejectsEmptyInputAndTimesBeforeTheStart() {
    assertThatThrownBy(() -> BurstStats.of(0, List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BurstStats.of(10, List.of(5L)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
