package io.kubedirect.testing.controlplane;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cleans up after JVMs that died without running their shutdown hook (e.g. {@code kill -9} of a
 * test fork): for every work directory whose owner JVM is gone, kills the recorded component
 * processes (only if the pid still runs one of our binaries) and deletes the directory.
 */
final class OrphanReaper {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanReaper.class);
  static final String DIR_PREFIX = "kubedirect-cp-";
  static final String OWNER_FILE = "owner";

  private OrphanReaper() {}

  /** Content of the owner file for the current JVM: {@code pid startInstant}. */
  static String ownerRecord() {
    ProcessHandle self = ProcessHandle.current();
    return self.pid() + " " + self.info().startInstant().map(Instant::toString).orElse("-");
  }

  /** True if the owner record names a process that is still running (same pid and start time). */
  static boolean ownerAlive(String record) {
    String[] parts = record.trim().split(" ");
    long pid;
    try {
      pid = Long.parseLong(parts[0]);
    } catch (NumberFormatException e) {
      return false;
    }
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    if (parts.length < 2 || "-".equals(parts[1])) {
      return true; // cannot tell; be conservative
    }
    return h.get().info().startInstant().map(i -> i.toString().equals(parts[1])).orElse(true);
  }

  static void reap(Path parent, Path binDir) {
    if (!Files.isDirectory(parent)) {
      return;
    }
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(parent, DIR_PREFIX + "*")) {
      for (Path dir : dirs) {
        Path owner = dir.resolve(OWNER_FILE);
        if (!Files.isRegularFile(owner)) {
          continue;
        }
        String record = Files.readString(owner, StandardCharsets.UTF_8);
        if (ownerAlive(record)) {
          continue;
        }
        killRecorded(dir.resolve("pids"), binDir);
        LOG.info("removed the work directory {} of a control plane whose JVM died", dir);
        Files2.deleteRecursively(dir);
      }
    } catch (IOException | RuntimeException e) {
      LOG.debug("orphan scan of {} failed: {}", parent, e.toString());
    }
  }

  private static void killRecorded(Path pidDir, Path binDir) throws IOException {
    if (!Files.isDirectory(pidDir)) {
      return;
    }
    try (DirectoryStream<Path> pids = Files.newDirectoryStream(pidDir, "*.pid")) {
      for (Path f : pids) {
        long pid;
        try {
          pid = Long.parseLong(Files.readString(f, StandardCharsets.UTF_8).trim());
        } catch (NumberFormatException e) {
          continue;
        }
        ProcessHandle.of(pid)
            .ifPresent(
                h -> {
                  boolean ours =
                      h.info()
                          .command()
                          .map(cmd -> cmd.startsWith(binDir.toString()))
                          .orElse(false);
                  if (ours && h.isAlive()) {
                    LOG.warn(
                        "killing orphaned control-plane process {} ({})",
                        pid,
                        h.info().command().orElse("?"));
                    h.descendants().forEach(ProcessHandle::destroyForcibly);
                    h.destroyForcibly();
                  }
                });
      }
    }
  }
}
