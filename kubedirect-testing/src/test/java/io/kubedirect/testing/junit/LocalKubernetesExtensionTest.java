package io.kubedirect.testing.junit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectNestedClass;

import io.kubedirect.testing.controlplane.BinaryLocator;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.controlplane.MissingBinariesException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Checks how the extension maps {@code @LocalKubernetes} to a configuration, without real binaries:
 * the binary directory holds only (stand-in) etcd and kube-apiserver, so asking for more components
 * fails with a {@link MissingBinariesException} that names exactly what the configuration needed.
 */
class LocalKubernetesExtensionTest {
  private static final String GUARD = "kubedirect.testing.extensionSamples";

  @TempDir Path bin;

  private Events run(Class<?> sample, Class<?>... nesting) throws Exception {
    for (String name : List.of("etcd", "kube-apiserver")) {
      Path p = bin.resolve(name);
      Files.writeString(p, "#!/bin/sh\nexit 1\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    System.setProperty(BinaryLocator.BIN_DIR_PROPERTY, bin.toString());
    System.setProperty(GUARD, "true");
    try {
      return EngineTestKit.engine("junit-jupiter")
          .selectors(
              nesting.length == 0
                  ? selectClass(sample)
                  : selectNestedClass(List.of(nesting), sample))
          .execute()
          .testEvents();
    } finally {
      System.clearProperty(BinaryLocator.BIN_DIR_PROPERTY);
      System.clearProperty(GUARD);
    }
  }

  private static MissingBinariesException failure(Events events) {
    Throwable t =
        events.failed().stream()
            .findFirst()
            .orElseThrow()
            .getPayload(org.junit.platform.engine.TestExecutionResult.class)
            .orElseThrow()
            .getThrowable()
            .orElseThrow();
    while (t != null && !(t instanceof MissingBinariesException)) {
      t = t.getCause();
    }
    assertThat(t).as("a MissingBinariesException in the failure chain").isNotNull();
    return (MissingBinariesException) t;
  }

  @Test
  void annotationSelectsTheComponents() throws Exception {
    Events events = run(Full.class); // also runs the @Nested class
    events.assertStatistics(s -> s.started(2).failed(2));
    assertThat(failure(events).missing())
        .containsExactly("kube-controller-manager", "kube-scheduler");
  }

  @Test
  void nestedClassesInheritTheEnclosingConfiguration() throws Exception {
    Events events = run(Full.Inner.class, Full.class);
    events.assertStatistics(s -> s.started(1).failed(1));
    assertThat(failure(events).missing())
        .containsExactly("kube-controller-manager", "kube-scheduler");
  }

  @Test
  void schedulerOnly() throws Exception {
    Events events = run(SchedulerOnly.class);
    assertThat(failure(events).missing()).containsExactly("kube-scheduler");
  }

  /** Sample: asks for everything. */
  @LocalKubernetes(controllerManager = true, scheduler = true)
  @EnabledIfSystemProperty(named = GUARD, matches = "true")
  static class Full {
    @Test
    void needsControlPlane(LocalControlPlane cp) {
      assertThat(cp).isNotNull();
    }

    /** Nested sample without its own annotation. */
    @Nested
    class Inner {
      @Test
      void needsControlPlaneToo(LocalControlPlane cp) {
        assertThat(cp).isNotNull();
      }
    }
  }

  /** Sample: scheduler only. */
  @LocalKubernetes(scheduler = true)
  @EnabledIfSystemProperty(named = GUARD, matches = "true")
  static class SchedulerOnly {
    @Test
    void needsControlPlane(LocalControlPlane cp) {
      assertThat(cp).isNotNull();
    }
  }
}
