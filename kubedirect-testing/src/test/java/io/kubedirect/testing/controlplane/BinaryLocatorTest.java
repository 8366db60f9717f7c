package io.kubedirect.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BinaryLocatorTest {
  private static final Path HOME = Path.of("/home/u");

  @Test
  void systemPropertyWinsOverEnvironment() {
    BinaryLocator.Location l =
        BinaryLocator.locate(
            k -> k.equals(BinaryLocator.BIN_DIR_PROPERTY) ? "/opt/prop" : null,
            Map.of(BinaryLocator.BIN_DIR_ENV, "/opt/env"),
            HOME);
    assertThat(l.dir()).isEqualTo(Path.of("/opt/prop"));
    assertThat(l.source()).contains(BinaryLocator.BIN_DIR_PROPERTY);
  }

  @Test
  void environmentUsedWhenPropertyBlank() {
    BinaryLocator.Location l =
        BinaryLocator.locate(k -> "  ", Map.of(BinaryLocator.BIN_DIR_ENV, "/opt/env"), HOME);
    assertThat(l.dir()).isEqualTo(Path.of("/opt/env"));
    assertThat(l.source()).contains(BinaryLocator.BIN_DIR_ENV);
  }

  @Test
  void defaultIsTheBuildScriptsCacheDirectory() {
    BinaryLocator.Location l = BinaryLocator.locate(k -> null, Map.of(), HOME);
    assertThat(l.dir())
        .isEqualTo(Path.of("/home/u/.cache/kubedirect/k8s-v1.36.3-etcd-v3.6.16/bin"));
  }

  @Test
  void defaultHonoursXdgCacheHomeLikeTheScript() {
    BinaryLocator.Location l =
        BinaryLocator.locate(k -> null, Map.of("XDG_CACHE_HOME", "/xdg"), HOME);
    assertThat(l.dir()).isEqualTo(Path.of("/xdg/kubedirect/k8s-v1.36.3-etcd-v3.6.16/bin"));
  }

  @Test
  void defaultMatchesTheVersionsInTheBuildScript() throws Exception {
    Path script = Path.of("..", "hack", "build-control-plane.sh");
    String text = Files.readString(script);
    assertThat(text).contains("K8S_VERSION=\"" + BinaryLocator.KUBERNETES_VERSION + "\"");
    assertThat(text).contains("ETCD_VERSION=\"" + BinaryLocator.ETCD_VERSION + "\"");
  }

  @Test
  void requireListsEveryMissingBinaryAndTellsHowToBuild(@TempDir Path dir) throws Exception {
    Path etcd =
        Files.createFile(
            dir.resolve("etcd"),
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    assertThat(etcd).isExecutable();
    Files.createFile(dir.resolve("kube-apiserver")); // present but not executable
    BinaryLocator.Location l = new BinaryLocator.Location(dir, "test");
    assertThatThrownBy(
            () ->
                BinaryLocator.require(
                    l, List.of(Component.ETCD, Component.KUBE_APISERVER, Component.KUBE_SCHEDULER)))
        .isInstanceOfSatisfying(
            MissingBinariesException.class,
            e -> {
              assertThat(e.missing()).containsExactly("kube-apiserver", "kube-scheduler");
              assertThat(e.binDir()).isEqualTo(dir);
              assertThat(e.getMessage())
                  .contains("hack/build-control-plane.sh")
                  .contains(dir.toString());
            });
  }

  @Test
  void requirePassesWhenAllPresent(@TempDir Path dir) throws Exception {
    Files.createFile(
        dir.resolve("etcd"),
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    BinaryLocator.Location l = new BinaryLocator.Location(dir, "test");
    assertThat(BinaryLocator.require(l, List.of(Component.ETCD))).isSameAs(l);
  }
}
