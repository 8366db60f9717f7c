package io.kubedirect.examples.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.demo.BurstOptions.Variant;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BurstOptionsTest {

  @Test
  void defaultsAreTheStockSettings() {
    BurstOptions o = BurstOptions.parse();
    assertThat(o.pods()).isEqualTo(200);
    assertThat(o.variants()).containsExactly(Variant.PLAIN, Variant.DIRECT, Variant.K8S);
    assertThat(o.kcmQps()).isEqualTo(20f);
    assertThat(o.kcmBurst()).isEqualTo(30);
    assertThat(o.schedulerQps()).isEqualTo(50f);
    assertThat(o.schedulerBurst()).isEqualTo(100);
  }

  @Test
  void parsesFlags() {
    BurstOptions o =
        BurstOptions.parse(
            "--pods",
            "1000",
            "--nodes",
            "5",
            "--sandbox-managers",
            "5",
            "--max-start-delay-ms",
            "0",
            "--variants",
            "k8s,direct",
            "--timeout-s",
            "30",
            "--kcm-qps",
            "5000");
    assertThat(o.pods()).isEqualTo(1000);
    assertThat(o.sandboxManagers()).isEqualTo(5);
    assertThat(o.maxStartDelay()).isEqualTo(Duration.ZERO);
    assertThat(o.variants()).isEqualTo(List.of(Variant.K8S, Variant.DIRECT));
    assertThat(o.timeout()).isEqualTo(Duration.ofSeconds(30));
    assertThat(o.kcmQps()).isEqualTo(5000f);
  }

  @Test
  void rejectsBadInput() {
    assertThatThrownBy(() -> BurstOptions.parse("--pods"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BurstOptions.parse("--pods", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BurstOptions.parse("--what", "1"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BurstOptions.parse("--variants", "plain,nope"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BurstOptions.parse("--nodes", "2", "--sandbox-managers", "3"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BurstOptions.parse("--pods", "0"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
