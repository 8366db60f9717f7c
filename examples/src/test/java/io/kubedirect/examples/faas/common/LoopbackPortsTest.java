package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoopbackPortsTest {

  @Test
  void portsAreDistinctAndBelowTheKernelsEphemeralRange() throws Exception {
    Path range = Path.of("/proc/sys/net/ipv4/ip_local_port_range");
    int low =
        Files.exists(range)
            ? Integer.parseInt(Files.readAllLines(range).get(0).trim().split("\\s+")[0])
            : 49_152;
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      ports.add(LoopbackPorts.next());
    }
    assertThat(ports).hasSize(50);
    if (low > 21_000) {
      assertThat(ports).allMatch(p -> p >= 20_000 && p < low);
    }
  }
}
