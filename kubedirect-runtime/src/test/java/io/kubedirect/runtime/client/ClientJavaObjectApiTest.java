package io.kubedirect.runtime.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.engine.TestPods;
import org.junit.jupiter.api.Test;

class ClientJavaObjectApiTest {

  @Test
  void pluralsFollowKubernetesNaming() {
    assertThat(ClientJavaObjectApi.plural("Pod")).isEqualTo("pods");
    assertThat(ClientJavaObjectApi.plural("ReplicaSet")).isEqualTo("replicasets");
    assertThat(ClientJavaObjectApi.plural("Endpoints")).isEqualTo("endpoints");
    assertThat(ClientJavaObjectApi.plural("NetworkPolicy")).isEqualTo("networkpolicies");
    assertThat(ClientJavaObjectApi.plural("Ingress")).isEqualTo("ingresses");
    assertThat(ClientJavaObjectApi.plural("Gateway")).isEqualTo("gateways");
  }

  @Test
  void genericApisAreBuiltPerKind() {
    io.kubernetes.client.openapi.ApiClient c = new io.kubernetes.client.openapi.ApiClient();
    ClientJavaObjectApi api = new ClientJavaObjectApi(c);
    assertThat(api.apiFor(TestPods.POD)).isSameAs(api.apiFor(TestPods.POD));
    assertThat(api.apiFor("apps/v1/ReplicaSet")).isNotNull();
  }
}
