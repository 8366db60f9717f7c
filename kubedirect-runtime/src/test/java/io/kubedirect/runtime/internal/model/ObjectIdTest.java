package io.kubedirect.runtime.internal.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.ObjectRef;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1Pod;
import org.junit.jupiter.api.Test;

class ObjectIdTest {

  @Test
  void namespacedAndClusterScopedKeysRoundTrip() {
    ObjectId pod = ObjectId.of("/v1/Pod", "default/web-1");
    assertThat(pod).isEqualTo(new ObjectId("/v1/Pod", "default", "web-1"));
    assertThat(pod.key()).isEqualTo("default/web-1");
    assertThat(pod.toString())
        .isEqualTo("/v1/Pod|default/web-1")
        .isEqualTo(ObjectId.idOf("/v1/Pod", pod.key()));
    ObjectId node = ObjectId.of("/v1/Node", "node-1");
    assertThat(node.namespace()).isEmpty();
    assertThat(node.key()).isEqualTo("node-1");
    assertThat(new ObjectId("/v1/Node", null, "node-1")).isEqualTo(node);
  }

  @Test
  void refsAndStubsAgree() {
    ObjectId id =
        ObjectId.of(
            ObjectRef.newBuilder().setKind("/v1/Pod").setNamespace("ns").setName("p").build());
    V1Pod stub = (V1Pod) id.stub();
    assertThat(stub.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(stub.getMetadata().getName()).isEqualTo("p");
    assertThat(ObjectId.of("/v1/Pod", stub)).isEqualTo(id);
    V1Node node = (V1Node) ObjectId.of("/v1/Node", "n").stub();
    assertThat(node.getMetadata().getNamespace()).isNull();
  }
}
