package io.kubedirect.it.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.kubedirect.testing.controlplane.Component;
import io.kubedirect.testing.controlplane.ControlPlaneException;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Runs two sample classes through a nested JUnit run and checks the extension's contract: one
 * shared instance per configuration, parameters injected, and everything stopped when the run ends.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class LocalKubernetesExtensionIT {
  private static final String GUARD = "kubedirect.it.extensionSamples";
  static final List<LocalControlPlane> SEEN = new CopyOnWriteArrayList<>();

  @Test
  void sharesOneInstancePerConfigurationAndStopsItWhenTheRunEnds() {
    SEEN.clear();
    System.setProperty(GUARD, "true");
    Events tests;
    try {
      tests =
          EngineTestKit.engine("junit-jupiter")
              .selectors(selectClass(SampleA.class), selectClass(SampleB.class))
              .execute()
              .testEvents();
    } finally {
      System.clearProperty(GUARD);
    }

    tests.assertStatistics(s -> s.started(3).succeeded(3).failed(0));
    assertThat(SEEN).hasSize(3);
    LocalControlPlane shared = SEEN.get(0);
    assertThat(SEEN).allSatisfy(cp -> assertThat(cp).isSameAs(shared));

    // The run is over: the root store closed the control plane and its processes are gone.
    assertThat(shared.isRunning()).isFalse();
    assertThat(shared.pid(Component.ETCD)).isEmpty();
    Path workDir = shared.workDir();
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(workDir).doesNotExist());
  }

  /** Sample; only runs inside the nested run above. */
  @LocalKubernetes
  @EnabledIfSystemProperty(named = GUARD, matches = "true")
  static class SampleA {
    private final LocalControlPlane fromConstructor;

    SampleA(LocalControlPlane cp) {
      this.fromConstructor = cp;
    }

    @Test
    void injectsControlPlaneAndClient(LocalControlPlane cp, ApiClient client) {
      assertThat(cp).isSameAs(fromConstructor);
      assertThat(cp.isRunning()).isTrue();
      assertThat(client).isSameAs(cp.apiClient());
      assertThat(client.getReadTimeout()).isZero();
      SEEN.add(cp);
    }

    @Test
    void secondTestSameInstanceAndItCannotBeClosedByATest(LocalControlPlane cp) {
      SEEN.add(cp);
      assertThatThrownBy(cp::close)
          .isInstanceOf(ControlPlaneException.class)
          .hasMessageContaining("shared");
      assertThat(cp.isRunning()).isTrue();
    }
  }

  /** Sample with the same configuration: gets the same instance. */
  @LocalKubernetes(controllerManager = false)
  @EnabledIfSystemProperty(named = GUARD, matches = "true")
  static class SampleB {
    @Test
    void sameConfigurationSameInstance(LocalControlPlane cp) {
      SEEN.add(cp);
    }
  }
}
