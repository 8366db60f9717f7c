package io.kubedirect.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BuilderTest {
  private LocalControlPlane.Builder builder() {
    return LocalControlPlane.builder().binDir(Path.of("/bins"));
  }

  @Test
  void defaultsAreEtcdAndApiServerWithStockRateLimits() {
    ControlPlaneSpec spec = builder().buildSpec();
    assertThat(spec.components()).containsExactly(Component.ETCD, Component.KUBE_APISERVER);
    assertThat(spec.controllerManagerQps()).isEqualTo(20f);
    assertThat(spec.controllerManagerBurst()).isEqualTo(30);
    assertThat(spec.schedulerQps()).isEqualTo(50f);
    assertThat(spec.schedulerBurst()).isEqualTo(100);
    assertThat(spec.controllers()).containsExactlyElementsOf(ControlPlaneSpec.DEFAULT_CONTROLLERS);
    assertThat(spec.binaries().dir()).isEqualTo(Path.of("/bins"));
  }

  @Test
  void optionalComponentsStartAfterTheApiServer() {
    assertThat(builder().controllerManager(true).scheduler(true).buildSpec().components())
        .containsExactly(
            Component.ETCD,
            Component.KUBE_APISERVER,
            Component.KUBE_CONTROLLER_MANAGER,
            Component.KUBE_SCHEDULER);
    assertThat(builder().scheduler(true).buildSpec().components())
        .containsExactly(Component.ETCD, Component.KUBE_APISERVER, Component.KUBE_SCHEDULER);
  }

  @Test
  void equalSettingsGiveEqualSpecs() {
    assertThat(builder().scheduler(true).buildSpec())
        .isEqualTo(builder().scheduler(true).buildSpec());
    assertThat(builder().scheduler(true).buildSpec()).isNotEqualTo(builder().buildSpec());
  }

  @Test
  void rejectsInvalidSettings() {
    assertThatThrownBy(() -> builder().controllerManagerRateLimit(0, 10).buildSpec())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("qps");
    assertThatThrownBy(() -> builder().schedulerRateLimit(10, 0).buildSpec())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("burst");
    assertThatThrownBy(() -> builder().controllerManagerRateLimit(Float.NaN, 10).buildSpec())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> builder().startTimeout(Duration.ZERO).buildSpec())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("startTimeout");
    assertThatThrownBy(() -> builder().stopTimeout(Duration.ofSeconds(-1)).buildSpec())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stopTimeout");
    assertThatThrownBy(() -> builder().controllers(List.of()).buildSpec())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("controllers");
    assertThatThrownBy(() -> builder().controllers(List.of("deployment", "bad name")).buildSpec())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("bad name");
    assertThatThrownBy(() -> builder().extraArgs(Component.ETCD, "-v").buildSpec())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("etcd");
  }

  @Test
  void acceptsControllerWildcardsAndDisables() {
    assertThat(builder().controllers(List.of("*", "-nodeipam")).buildSpec().controllers())
        .containsExactly("*", "-nodeipam");
  }

  @Test
  void accessorsOfAnUnstartedInstanceFailWithATypedError() {
    LocalControlPlane cp = builder().build();
    assertThat(cp.isRunning()).isFalse();
    assertThatThrownBy(cp::apiServerUrl).isInstanceOf(ControlPlaneException.class);
    assertThatThrownBy(cp::apiClient).isInstanceOf(ControlPlaneException.class);
    cp.close();
    cp.close();
    assertThatThrownBy(cp::start)
        .isInstanceOf(ControlPlaneException.class)
        .hasMessageContaining("closed");
  }

  @Test
  void timingsSummaryListsStartedComponentsInOrder() {
    StartupTimings t =
        new StartupTimings(
            java.util.Map.of(
                Component.KUBE_APISERVER,
                Duration.ofMillis(2300),
                Component.ETCD,
                Duration.ofMillis(180)),
            Duration.ofMillis(2600));
    assertThat(t.summary()).isEqualTo("etcd=180ms kube-apiserver=2300ms total=2600ms");
  }
}
