package io.kubedirect.runtime.internal.store;

import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubernetes.client.openapi.models.V1Pod;
import org.junit.jupiter.api.Test;

class ObjectInternerTest {

  @Test
  void equalPartsAreSharedAndDistinctPartsKept() {
    ObjectInterner interner = new ObjectInterner(16);
    V1Pod a =
        (V1Pod)
            interner.compact(
                ObjectSupport.deepCopy(pod("a", "node-1")),
                io.kubedirect.api.KindStrategies.pods());
    V1Pod b =
        (V1Pod)
            interner.compact(
                ObjectSupport.deepCopy(pod("b", "node-2")),
                io.kubedirect.api.KindStrategies.pods());
    assertThat(a.getSpec().getContainers()).isSameAs(b.getSpec().getContainers());
    assertThat(a.getMetadata().getLabels()).isSameAs(b.getMetadata().getLabels());
    assertThat(a.getMetadata().getName()).isEqualTo("a");
    assertThat(b.getSpec().getNodeName()).isEqualTo("node-2");
    assertThat(a).isEqualTo(pod("a", "node-1"));
  }

  @Test
  void theInternerIsBounded() {
    ObjectInterner interner = new ObjectInterner(3);
    for (int i = 0; i < 10; i++) {
      interner.intern("s" + i);
    }
    assertThat(interner.size()).isEqualTo(3);
  }
}
