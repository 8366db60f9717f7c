package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodIpAllocatorTest {

  @Test
  void allocatesDistinctAddressesInsideTheBlock() {
    PodIpAllocator alloc = new PodIpAllocator(3);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 65_534; i++) {
      String ip = alloc.allocate();
      assertThat(ip).startsWith("10.3.");
      assertThat(seen.add(ip)).as("duplicate %s", ip).isTrue();
    }
    assertThat(seen).contains("10.3.0.1", "10.3.1.0", "10.3.255.254");
    assertThatThrownBy(alloc::allocate).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void differentBlocksNeverCollide() {
    assertThat(new PodIpAllocator(0).allocate()).isEqualTo("10.0.0.1");
    assertThat(new PodIpAllocator(1).allocate()).isEqualTo("10.1.0.1");
    assertThatThrownBy(() -> new PodIpAllocator(256)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void skipsReservedAddressesLearnedAfterARestart() {
    PodIpAllocator alloc = new PodIpAllocator();
    alloc.reserve("10.0.0.1");
    alloc.reserve("10.0.0.2");
    alloc.reserve("10.1.0.3"); // other block: ignored
    alloc.reserve("192.168.0.1"); // ignored
    alloc.reserve("10.x.0.1"); // ignored
    assertThat(alloc.allocate()).isEqualTo("10.0.0.3");
  }

  @Test
  void releasedAddressesBecomeFreeAgain() {
    PodIpAllocator alloc = new PodIpAllocator();
    String ip = alloc.allocate();
    alloc.release(ip);
    for (int i = 0; i < 65_533; i++) {
      assertThat(alloc.allocate()).isNotEqualTo(ip);
    }
    assertThat(alloc.allocate()).isEqualTo(ip); // the only one left after wrap-around
  }
}
