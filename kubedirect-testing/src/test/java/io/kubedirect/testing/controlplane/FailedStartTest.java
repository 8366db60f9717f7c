package io.kubedirect.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/** Start failures with stand-in executables (shell scripts), so no real binaries are needed. */
class FailedStartTest {
  @TempDir Path bin;

  /**
   * Deleted by {@link #deleteWork()}, not by JUnit: a stand-in's files can still appear for a
   * moment after its failed start returned (seen once on a loaded machine:
   * DirectoryNotEmptyException in JUnit's cleanup).
   */
  @TempDir(cleanup = CleanupMode.NEVER)
  Path work;

  @AfterEach
  void deleteWork() {
    await()
        .atMost(Duration.ofSeconds(10))
        .ignoreExceptions()
        .until(
            () -> {
              try (var paths = Files.walk(work)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
              }
              return !Files.exists(work);
            });
  }

  private void script(String name, String body) throws Exception {
    Path p = bin.resolve(name);
    Files.writeString(p, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
  }

  @Test
  void crashingComponentFailsFastWithItsLogTail() throws Exception {
    script("etcd", "echo starting; echo 'fatal: cannot open data dir' >&2; exit 3");
    script("kube-apiserver", "exit 1");
    LocalControlPlane cp =
        LocalControlPlane.builder()
            .binDir(bin)
            .workDirParent(work)
            .startTimeout(Duration.ofSeconds(30))
            .build();

    ComponentStartException e = catchThrowableOfType(ComponentStartException.class, cp::start);

    assertThat(e.component()).isEqualTo(Component.ETCD);
    assertThat(e.getMessage())
        .contains("exited with code 3")
        .contains("fatal: cannot open data dir");
    assertThat(e.logTail()).contains("starting");
    assertThat(e.logFile()).exists(); // kept after a failed start
    assertThat(cp.isRunning()).isFalse();
  }

  @Test
  void hangingComponentTimesOutAndItsProcessTreeIsKilled() throws Exception {
    Path pids = work.resolve("recorded-pids");
    // The stand-in forks a child and ignores nothing: SIGTERM must reach both.
    script("etcd", "sleep 300 & echo $! > " + pids + "; echo $$ >> " + pids + "; wait");
    script("kube-apiserver", "exit 1");
    LocalControlPlane cp =
        LocalControlPlane.builder()
            .binDir(bin)
            .workDirParent(work)
            .startTimeout(Duration.ofSeconds(2))
            .stopTimeout(Duration.ofSeconds(5))
            .build();

    ComponentStartException e = catchThrowableOfType(ComponentStartException.class, cp::start);

    assertThat(e.component()).isEqualTo(Component.ETCD);
    assertThat(e.getMessage()).contains("not ready within");
    long[] recorded = Files.readAllLines(pids).stream().mapToLong(Long::parseLong).toArray();
    assertThat(recorded).hasSize(2);
    for (long pid : recorded) {
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> ProcessHandle.of(pid).map(ManagedProcess::isGone).orElse(true));
    }
  }

  @Test
  void missingBinaryIsReportedBeforeAnythingStarts() {
    LocalControlPlane cp = LocalControlPlane.builder().binDir(bin).workDirParent(work).build();
    MissingBinariesException e = catchThrowableOfType(MissingBinariesException.class, cp::start);
    assertThat(e.missing()).containsExactly("etcd", "kube-apiserver");
    assertThat(work).isEmptyDirectory();
  }
}
