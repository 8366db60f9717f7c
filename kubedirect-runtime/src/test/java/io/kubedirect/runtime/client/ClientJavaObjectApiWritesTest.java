package io.kubedirect.runtime.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.kubedirect.runtime.engine.TestPods;
import io.kubedirect.runtime.spi.WriteResult;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.openapi.models.V1StatusCause;
import io.kubernetes.client.openapi.models.V1StatusDetails;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** How API answers are classified, and what deletes and Events send. */
class ClientJavaObjectApiWritesTest {

  @Test
  void errorsAreClassifiedTheWayKubernetesControllersTreatThem() {
    assertThat(ClientJavaObjectApi.classify(true, 409, null)).isEqualTo(WriteResult.Status.ALREADY_EXISTS);
    assertThat(ClientJavaObjectApi.classify(false, 409, new V1Status().reason("Conflict")))
        .isEqualTo(WriteResult.Status.CONFLICT);
    assertThat(ClientJavaObjectApi.classify(false, 404, null)).isEqualTo(WriteResult.Status.NOT_FOUND);
    assertThat(ClientJavaObjectApi.classify(true, 429, null)).isEqualTo(WriteResult.Status.RETRYABLE_FAILURE);
    assertThat(ClientJavaObjectApi.classify(true, 503, null)).isEqualTo(WriteResult.Status.RETRYABLE_FAILURE);
    // Quota and a terminating namespace are transient (the stock controllers retry them) ...
    assertThat(ClientJavaObjectApi.classify(true, 403, new V1Status().reason("Forbidden").message(
        "pods \"fn-1\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10")))
        .isEqualTo(WriteResult.Status.RETRYABLE_FAILURE);
    assertThat(ClientJavaObjectApi.classify(true, 403, new V1Status().reason("Forbidden")
        .message("pods \"fn-1\" is forbidden: unable to create new content in namespace fn because it is being"
            + " terminated")
        .details(new V1StatusDetails().addCausesItem(new V1StatusCause().reason("NamespaceTerminating")))))
        .isEqualTo(WriteResult.Status.RETRYABLE_FAILURE);
    // ... other rejections are permanent.
    assertThat(ClientJavaObjectApi.classify(true, 403, new V1Status().reason("Forbidden")
        .message("pods \"fn-1\" is forbidden: no PriorityClass with name gold was found")))
        .isEqualTo(WriteResult.Status.FAILED);
    assertThat(ClientJavaObjectApi.classify(true, 422, new V1Status().reason("Invalid")))
        .isEqualTo(WriteResult.Status.FAILED);
  }

  @Test
  void aDeleteCarriesItsUidPreconditionAndAnEventNamesItsObject() throws Exception {
    List<String> requests = new CopyOnWriteArrayList<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/api/v1/namespaces/default/", ex -> {
      String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      requests.add(ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + " " + body);
      byte[] answer = ("DELETE".equals(ex.getRequestMethod())
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
      api.recordEvent("default", new V1ObjectReference().kind("ReplicaSet").name("fn-rs").uid("u1"), "Warning",
          "FailedCreate", "Error creating: forbidden");
      assertThat(requests).hasSize(2);
      assertThat(requests.get(0)).startsWith("DELETE /api/v1/namespaces/default/pods/fn-1")
          .contains("\"preconditions\":{\"uid\":\"uid-7\"}");
      assertThat(requests.get(1)).startsWith("POST /api/v1/namespaces/default/events")
          .contains("\"reason\":\"FailedCreate\"").contains("\"name\":\"fn-rs\"").contains("\"type\":\"Warning\"");
    } finally {
      server.stop(0);
    }
  }
}
