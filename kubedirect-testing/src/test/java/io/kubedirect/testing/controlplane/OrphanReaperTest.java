package io.kubedirect.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrphanReaperTest {
  @Test
  void currentJvmIsAliveAndAMadeUpOwnerIsNot() {
    assertThat(OrphanReaper.ownerAlive(OrphanReaper.ownerRecord())).isTrue();
    long self = ProcessHandle.current().pid();
    assertThat(OrphanReaper.ownerAlive(self + " 1970-01-01T00:00:00Z")).isFalse();
    assertThat(OrphanReaper.ownerAlive("not-a-pid")).isFalse();
  }

  @Test
  void removesDirectoriesOfDeadOwnersOnly(@TempDir Path parent) throws Exception {
    Path dead = Files.createDirectories(parent.resolve(OrphanReaper.DIR_PREFIX + "dead"));
    long self = ProcessHandle.current().pid();
    Files.writeString(dead.resolve(OrphanReaper.OWNER_FILE), self + " 1970-01-01T00:00:00Z");
    Files.createDirectories(dead.resolve("pids"));
    // A pid that belongs to a process that is not one of our binaries must not be killed.
    Files.writeString(dead.resolve("pids").resolve("etcd.pid"), Long.toString(self));
    Path live = Files.createDirectories(parent.resolve(OrphanReaper.DIR_PREFIX + "live"));
    Files.writeString(live.resolve(OrphanReaper.OWNER_FILE), OrphanReaper.ownerRecord());
    Path other = Files.createDirectories(parent.resolve("unrelated"));

    OrphanReaper.reap(parent, parent.resolve("bin"));

    assertThat(dead).doesNotExist();
    assertThat(live).exists();
    assertThat(other).exists();
  }
}
