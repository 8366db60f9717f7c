package io.kubedirect.runtime.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kubedirect.runtime.internal.engine.TestPods;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
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

  @Test
  void theCurrentRevisionIsTheResourceVersionOfAListWithLimitOne() throws Exception {
    List<String> queries = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    int[] status = {200};
    server.createContext(
        "/api/v1/pods",
        ex -> {
          queries.add(ex.getRequestURI().getQuery());
          byte[] body =
              (status[0] == 200
                      ? "{\"kind\":\"PodList\",\"apiVersion\":\"v1\",\"metadata\":{\"resourceVersion\":\"4711\"},\"items\":[]}"
                      : "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":503}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(status[0], body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    server.start();
    try {
      io.kubernetes.client.openapi.ApiClient c = new io.kubernetes.client.openapi.ApiClient();
      c.setBasePath("http://127.0.0.1:" + server.getAddress().getPort());
      ClientJavaObjectApi api = new ClientJavaObjectApi(c);
      assertThat(api.currentRevision(TestPods.POD)).hasValue(4711);
      assertThat(queries).singleElement().satisfies(q -> assertThat(q).contains("limit=1"));
      status[0] = 503;
      assertThat(api.currentRevision(TestPods.POD)).isEmpty();
    } finally {
      server.stop(0);
    }
  }
}
