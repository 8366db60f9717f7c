package io.kubedirect.examples.faas.activator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointConditions;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointSliceSandboxSourceTest {

  private static V1Endpoint endpoint(String ip, String pod, Boolean ready, Boolean terminating) {
    return new V1Endpoint()
        .addresses(List.of(ip))
        .conditions(new V1EndpointConditions().ready(ready).serving(ready).terminating(terminating))
        .targetRef(new V1ObjectReference().kind("Pod").namespace("ns").name(pod));
  }

  private static V1EndpointSlice slice(
      List<DiscoveryV1EndpointPort> ports, V1Endpoint... endpoints) {
    return new V1EndpointSlice()
        .addressType("IPv4")
        .metadata(new V1ObjectMeta().namespace("ns").name("fn-abc"))
        .ports(ports)
        .endpoints(List.of(endpoints));
  }

  @Test
  void readyEndpointsAreDialledAtThePodIpsLoopbackTwinAndTheHttpPort() {
    V1EndpointSlice s =
        slice(
            List.of(
                new DiscoveryV1EndpointPort().name("metrics").port(9090),
                new DiscoveryV1EndpointPort().name("http").port(31234)),
            endpoint("10.0.0.5", "p1", true, false),
            endpoint("10.1.0.7", "p2", null, null), // unset ready counts as ready
            endpoint("10.0.0.6", "p3", false, false),
            endpoint("10.0.0.8", "p4", true, true));
    assertThat(EndpointSliceSandboxSource.endpoints(s, 1))
        .containsExactlyInAnyOrder(
            new SandboxEndpoint("ns/p1", "127.0.0.5", 31234, 1),
            new SandboxEndpoint("ns/p2", "127.1.0.7", 31234, 1));
  }

  @Test
  void aSinglePortIsUsedWhateverItsNameAndUnusableSlicesGiveNothing() {
    assertThat(
            EndpointSliceSandboxSource.endpoints(
                slice(
                    List.of(new DiscoveryV1EndpointPort().port(8080)),
                    endpoint("10.0.0.5", "p1", true, false)),
                0))
        .containsExactly(new SandboxEndpoint("ns/p1", "127.0.0.5", 8080, 0));
    assertThat(
            EndpointSliceSandboxSource.endpoints(
                slice(List.of(), endpoint("10.0.0.5", "p1", true, false)), 0))
        .isEmpty();
    assertThat(
            EndpointSliceSandboxSource.endpoints(
                slice(
                    List.of(new DiscoveryV1EndpointPort().name("http").port(8080)),
                    endpoint("192.168.0.5", "p1", true, false)),
                0))
        .isEmpty();
  }
}
