package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodTemplate;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import org.junit.jupiter.api.Test;

class KindsTest {

  @Test
  void builtInKindsMapBothWays() {
    assertThat(Kinds.of(V1Pod.class)).isEqualTo("/v1/Pod");
    assertThat(Kinds.of(V1ReplicaSet.class)).isEqualTo("apps/v1/ReplicaSet");
    assertThat(Kinds.of(V1Deployment.class)).isEqualTo("apps/v1/Deployment");
    assertThat(Kinds.of(V1Node.class)).isEqualTo("/v1/Node");
    assertThat(Kinds.classOf("/v1/Pod")).isEqualTo(V1Pod.class);
    assertThat(Kinds.classOf("apps/v1/ReplicaSet")).isEqualTo(V1ReplicaSet.class);
    assertThat(Kinds.apiVersion("apps/v1/ReplicaSet")).isEqualTo("apps/v1");
    assertThat(Kinds.apiVersion("/v1/Pod")).isEqualTo("v1");
    assertThat(Kinds.kindName("/v1/Pod")).isEqualTo("Pod");
  }

  @Test
  void kindOfAnObjectPrefersItsApiVersionAndKind() {
    assertThat(Kinds.of(new V1Pod())).isEqualTo("/v1/Pod");
    assertThat(Kinds.of(new V1Pod().apiVersion("v1").kind("Pod"))).isEqualTo("/v1/Pod");
    assertThat(Kinds.of(new V1ConfigMap().apiVersion("example.com/v2").kind("Thing")))
        .isEqualTo("example.com/v2/Thing");
  }

  @Test
  void unknownKindsAreTypedErrors() {
    assertThatThrownBy(() -> Kinds.classOf("example.com/v1/Widget"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown kind");
    assertThatThrownBy(() -> Kinds.of(V1PodTemplate.class))
        .isInstanceOf(IllegalArgumentException.class);
    for (String bad : new String[] {"Pod", "v1/Pod", "/v1/", "a/b/c/d", "//Pod"}) {
      assertThatThrownBy(() -> Kinds.register(bad, V1Pod.class))
          .as(bad)
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> Kinds.register("/v1/Pod", V1Node.class))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void registerAddsCustomKinds() {
    Kinds.register("kubedirect.io/v1test/Pod", V1Pod.class);
    assertThat(Kinds.classOf("kubedirect.io/v1test/Pod")).isEqualTo(V1Pod.class);
    assertThat(Kinds.of(V1Pod.class)).isEqualTo("/v1/Pod");
  }

  @Test
  void refsAndKeys() {
    V1Pod p = new V1Pod().metadata(new V1ObjectMeta().namespace("ns").name("a"));
    assertThat(Kinds.ref(p, 7).getKind()).isEqualTo("/v1/Pod");
    assertThat(Kinds.ref(p, 7).getNamespace()).isEqualTo("ns");
    assertThat(Kinds.ref(p, 7).getName()).isEqualTo("a");
    assertThat(Kinds.ref(p, 7).getVersion()).isEqualTo(7);
    assertThat(Kinds.key("ns", "a")).isEqualTo("ns/a");
    assertThat(Kinds.key("", "node-1")).isEqualTo("node-1");
    assertThat(Kinds.key(null, "node-1")).isEqualTo("node-1");
    assertThat(Kinds.key(Kinds.ref(p, 1))).isEqualTo("ns/a");
  }
}
