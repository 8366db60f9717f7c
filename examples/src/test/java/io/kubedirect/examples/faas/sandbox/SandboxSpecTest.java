package io.kubedirect.examples.faas.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SandboxSpecTest {

  @Test
  void annotationsOverrideTheDefaultsAndBadValuesAreIgnored() {
    V1Pod pod =
        new V1Pod()
            .metadata(
                new V1ObjectMeta()
                    .annotations(
                        Map.of(
                            SandboxSpec.SERVICE_TIME_ANNOTATION, "25",
                            SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, "-3",
                            SandboxSpec.COLD_START_ANNOTATION, "soon")));
    SandboxSpec spec = SandboxSpec.DEFAULTS.forPod(pod);
    assertThat(spec).isEqualTo(new SandboxSpec(Duration.ofMillis(25), 0, Duration.ofMillis(200)));
    assertThat(SandboxSpec.DEFAULTS.forPod(new V1Pod().metadata(new V1ObjectMeta())))
        .isEqualTo(SandboxSpec.DEFAULTS);
    assertThat(SandboxSpec.containerConcurrency(SandboxPods.pod("ns", "p", "fn", 0, 4)))
        .isEqualTo(4);
  }

  @Test
  void rejectsNegativeValues() {
    assertThatThrownBy(() -> new SandboxSpec(Duration.ofMillis(-1), 0, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new SandboxSpec(Duration.ZERO, -1, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
