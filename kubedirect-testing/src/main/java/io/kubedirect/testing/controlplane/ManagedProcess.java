package io.kubedirect.testing.controlplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running component: stdout and stderr appended to its log file, its pid recorded under the
 * work directory (so an orphan left by a killed JVM can be reaped later), and a stop that
 * terminates the process and all its descendants and waits for them.
 */
final class ManagedProcess {
  private static final Logger LOG = LoggerFactory.getLogger(ManagedProcess.class);

  private final Component component;
  private final Process process;
  private final Path logFile;
  private final Path pidFile;

  private ManagedProcess(Component component, Process process, Path logFile, Path pidFile) {
    this.component = component;
    this.process = process;
    this.logFile = logFile;
    this.pidFile = pidFile;
  }

  static ManagedProcess start(Component c, List<String> command, Path logFile, Path pidDir)
      throws IOException {
    Files.createDirectories(logFile.getParent());
    Files.createDirectories(pidDir);
    Files.writeString(
        logFile,
        "=== " + Instant.now() + " " + String.join(" ", command) + "\n",
        StandardCharsets.UTF_8,
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    Process p = pb.start();
    Path pidFile = pidDir.resolve(c.binaryName() + ".pid");
    Files.writeString(pidFile, Long.toString(p.pid()), StandardCharsets.UTF_8);
    LOG.debug("started {} pid {}", c.binaryName(), p.pid());
    return new ManagedProcess(c, p, logFile, pidFile);
  }

  Component component() {
    return component;
  }

  Path logFile() {
    return logFile;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /** Exit code, or -1 while running. */
  int exitCodeOrRunning() {
    return process.isAlive() ? -1 : process.exitValue();
  }

  /**
   * Sends SIGTERM to the process and its descendants, waits up to {@code grace}, then SIGKILLs
   * whatever is left and waits for it. Idempotent.
   *
   * @return true if everything exited within the grace period
   */
  boolean stop(Duration grace) {
    List<ProcessHandle> descendants = process.descendants().toList();
    descendants.forEach(ProcessHandle::destroy);
    process.destroy();
    boolean graceful = waitFor(process.toHandle(), grace);
    for (ProcessHandle d : descendants) {
      graceful &= waitFor(d, Duration.ofMillis(200));
    }
    if (!graceful) {
      LOG.warn(
          "{} (pid {}) did not exit within {} after SIGTERM; killing it",
          component.binaryName(),
          process.pid(),
          grace);
      descendants.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      waitFor(process.toHandle(), Duration.ofSeconds(10));
      descendants.forEach(d -> waitFor(d, Duration.ofSeconds(2)));
    }
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException ignored) {
      // the work directory may already be gone
    }
    return graceful;
  }

  /** Kills the process tree without waiting long; used from the JVM shutdown hook. */
  void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    waitFor(process.toHandle(), Duration.ofSeconds(2));
  }

  private static boolean waitFor(ProcessHandle h, Duration d) {
    long deadline = System.nanoTime() + d.toNanos();
    try {
      // A dead grandchild re-parented to an init that does not reap stays a zombie: count it as
      // gone.
      while (!isGone(h)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        try {
          h.onExit().get(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)), TimeUnit.NANOSECONDS);
        } catch (java.util.concurrent.TimeoutException
            | java.util.concurrent.ExecutionException e) {
          // poll again
        }
      }
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return isGone(h);
    }
  }

  /** Not alive, or a zombie (Linux {@code /proc/<pid>/stat} state Z or X). */
  static boolean isGone(ProcessHandle h) {
    if (!h.isAlive()) {
      return true;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
      int close = stat.lastIndexOf(')');
      if (close < 0 || close + 2 >= stat.length()) {
        return false;
      }
      char state = stat.charAt(close + 2);
      return state == 'Z' || state == 'X';
    } catch (IOException | RuntimeException e) {
      return !h.isAlive();
    }
  }
}
