package io.kubedirect.examples.faas.sandbox;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Sandboxes that listen on their pod's address (the loopback twin of the pod IP, at the container
 * port).
 */
class PodAddressSandboxTest {

  private static V1Pod podWithPort(String name, Integer port) {
    V1Pod pod = SandboxPods.pod("ns", name, "fn", 0, 0);
    V1Container c = new V1Container().name("fn");
    if (port != null) {
      c.ports(
          List.of(
              new V1ContainerPort().name("metrics").containerPort(9090),
              new V1ContainerPort().name("http").containerPort(port)));
    }
    return pod.spec(new V1PodSpec().containers(List.of(c)));
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void listensOnThePodIpsLoopbackTwinAtTheHttpContainerPort() throws Exception {
    int port = freePort();
    try (HttpSandboxRuntime runtime =
        HttpSandboxRuntime.builder().listenOnPodAddress(true).build()) {
      runtime.start("ns/p1", podWithPort("p1", port), "10.3.0.9");
      runtime.start("ns/p2", podWithPort("p2", port), "10.3.0.10"); // same port, another address
      assertThat(runtime.address("ns/p1")).isEqualTo("127.3.0.9:" + port);
      assertThat(runtime.address("ns/p2")).isEqualTo("127.3.0.10:" + port);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.3.0.10:" + port + "/"))
                  .POST(HttpRequest.BodyPublishers.ofString("hi"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.headers().firstValue("X-Kubedirect-Pod")).hasValue("ns/p2");
    }
  }

  @Test
  void withoutTheOptionOrAnIpItTakesAFreeLoopbackPort() {
    try (HttpSandboxRuntime runtime = HttpSandboxRuntime.create()) {
      runtime.start("ns/p1", podWithPort("p1", 1), "10.3.0.9");
      assertThat(runtime.address("ns/p1")).startsWith("127.0.0.1:");
    }
    assertThat(HttpSandboxRuntime.containerPort(podWithPort("p", null)))
        .isEqualTo(HttpSandboxRuntime.DEFAULT_CONTAINER_PORT);
    assertThat(HttpSandboxRuntime.containerPort(podWithPort("p", 4321))).isEqualTo(4321);
  }
}
