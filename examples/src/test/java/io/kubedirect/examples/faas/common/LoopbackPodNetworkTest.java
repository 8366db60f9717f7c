package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LoopbackPodNetworkTest {

  @Test
  void podIpMapsToItsLoopbackTwin() {
    assertThat(LoopbackPodNetwork.hostFor("10.1.2.3")).isEqualTo("127.1.2.3");
    assertThat(LoopbackPodNetwork.hostFor(new PodIpAllocator(7).allocate())).isEqualTo("127.7.0.1");
  }

  @Test
  void anythingElseIsRefused() {
    for (String bad :
        new String[] {
          null, "", "11.1.2.3", "10.1.2", "10.1.2.256", "10.01.2.3", "10.a.2.3", "::1"
        }) {
      assertThatThrownBy(() -> LoopbackPodNetwork.hostFor(bad))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }
}
