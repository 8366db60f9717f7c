package io.kubedirect.runtime.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.engine.TestPods;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * What deletes and Events send (the classification of answers is in {@link
 * ClientJavaObjectApiHttpTest}).
 */
class ClientJavaObjectApiWritesTest {

  @Test
  void aDeleteCarriesItsUidPreconditionAndAnEventNamesItsObject() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/api/v1/namespaces/default/",
        ex -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + body);
          byte[] answer =
              ("DELETE".equals(ex.getRequestMethod())
                      ? "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"reason\":\"Conflict\",\"code\":409}"
                      : "{\"kind\":\"Event\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"e\",\"namespace\":\"default\"}}")
                  .getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders("DELETE".equals(ex.getRequestMethod()) ? 409 : 201, answer.length);
          ex.getResponseBody().write(answer);
          ex.close();
        });
    server.start();
    try {
      io.kubernetes.client.openapi.ApiClient c = new io.kubernetes.client.openapi.ApiClient();
      c.setBasePath("http://127.0.0.1:" + server.getAddress().getPort());
      ClientJavaObjectApi api = new ClientJavaObjectApi(c);
      assertThat(api.delete(TestPods.POD, "default", "fn-1", "uid-7").status())
          .isEqualTo(WriteResult.Status.CONFLICT);
      api.recordEvent(
          "default",
          new V1ObjectReference().kind("ReplicaSet").name("fn-rs").uid("u1"),
          "Warning",
          "FailedCreate",
          "Error creating: forbidden");
      assertThat(requests).hasSize(2);
      assertThat(requests.get(0))
          .startsWith("DELETE /api/v1/namespaces/default/pods/fn-1")
          .contains("\"preconditions\":{\"uid\":\"uid-7\"}");
      assertThat(requests.get(1))
          .startsWith("POST /api/v1/namespaces/default/events")
          .contains("\"reason\":\"FailedCreate\"")
          .contains("\"name\":\"fn-rs\"")
          .contains("\"type\":\"Warning\"");
    } finally {
      server.stop(0);
    }
  }
}
