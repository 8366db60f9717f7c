package io.kubedirect.examples.bench.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TraceBenchOptionsTest {

  @Test
  void defaultsAndFlags() {
    TraceBenchOptions d = TraceBenchOptions.parse(new String[0]);
    assertThat(d.variants()).containsExactly("plain", "direct");
    assertThat(d.spec()).isEqualTo(TraceSpec.shortPreset(TraceSpec.DEFAULT_SEED));
    assertThat(d.traceFile()).isNull();
    assertThat(d.gracePeriod()).isEqualTo(Duration.ofSeconds(10));

    TraceBenchOptions o =
        TraceBenchOptions.parse(
            new String[] {
              "--variants",
              "k8s,direct",
              "--preset",
              "long",
              "--seed",
              "3",
              "--report",
              "r",
              "--trace",
              "t.csv",
              "--max-scale",
              "4",
              "--grace-seconds",
              "30"
            });
    assertThat(o.variants()).isEqualTo(List.of("k8s", "direct"));
    assertThat(o.spec()).isEqualTo(TraceSpec.longPreset(3));
    assertThat(o.reportDir()).isEqualTo(Path.of("r"));
    assertThat(o.traceFile()).isEqualTo(Path.of("t.csv"));
    assertThat(o.maxScale()).isEqualTo(4);
    assertThat(o.gracePeriod()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void badFlagsGetClearErrors() {
    assertThatThrownBy(() -> TraceBenchOptions.parse(new String[] {"--variants", "knative"}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown variant 'knative'");
    assertThatThrownBy(() -> TraceBenchOptions.parse(new String[] {"--seed"}))
        .hasMessage("--seed needs a value");
    assertThatThrownBy(() -> TraceBenchOptions.parse(new String[] {"--nodes", "many"}))
        .hasMessageContaining("--nodes needs a number, got 'many'");
    assertThatThrownBy(() -> TraceBenchOptions.parse(new String[] {"--nodes", "0"}))
        .hasMessageContaining("--nodes must be 1..100000");
    assertThatThrownBy(() -> TraceBenchOptions.parse(new String[] {"--preset", "huge"}))
        .hasMessageContaining("unknown trace preset 'huge'");
    assertThatThrownBy(() -> TraceBenchOptions.parse(new String[] {"--frobnicate", "1"}))
        .hasMessage("unknown flag --frobnicate");
    assertThatThrownBy(
            () -> TraceBenchOptions.parse(new String[] {"--nodes", "2", "--sandbox-managers", "3"}))
        .hasMessageContaining("at most --nodes");
  }
}
