package io.kubedirect.runtime.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.times;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.kubedirect.api.WriteResult;
import io.kubedirect.api.WriteResult.Status;
import io.kubedirect.runtime.internal.engine.TestPods;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.function.Function;
import java.util.stream.Stream;
import okhttp3.Interceptor;
import okhttp3.MediaType;
import okhttp3.Protocol;
import okhttp3.Request;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.mockito.ArgumentCaptor;
import org.mockito.Mock;
import org.mockito.junit.jupiter.MockitoExtension;

/**
 * {@link ClientJavaObjectApi} over client-java's real request/response path, with the HTTP layer
 * below it mocked: an OkHttp application {@link Interceptor} (a public OkHttp interface that
 * client-java's {@code ApiClient} calls for every request) answers instead of the network. So
 * client-java itself parses each answer into a {@code KubernetesApiResponse}, and the test checks
 * (a) the {@link WriteResult.Status} the adapter makes of it and (b) the interaction: exactly one
 * HTTP request per write (retrying is the write-back cache's job, not the adapter's), with the
 * method and path the API Server expects.
 */
@ExtendWith(MockitoExtension.class)
class ClientJavaObjectApiHttpTest {

  private static final MediaType JSON = MediaType.get("application/json");

  @Mock private Interceptor http;

  private ClientJavaObjectApi api;

  @BeforeEach
  void setUp() {
    ApiClient client = new ApiClient();
    client.setBasePath("http://127.0.0.1:9"); // never dialled: the interceptor answers first
    client.setHttpClient(client.getHttpClient().newBuilder().addInterceptor(http).build());
    api = new ClientJavaObjectApi(client);
  }

  /** A write, the HTTP answer, and what the adapter must make of it. */
  static Stream<Arguments> answers() {
    return Stream.of(
        Arguments.of(
            "create",
            409,
            status(409, "AlreadyExists", "pods \"p\" already exists", null),
            Status.ALREADY_EXISTS),
        Arguments.of(
            "update",
            409,
            status(
                409,
                "Conflict",
                "Operation cannot be fulfilled on pods \"p\": the object has been modified",
                null),
            Status.CONFLICT),
        Arguments.of(
            "delete",
            409,
            status(409, "Conflict", "Precondition failed: UID in precondition", null),
            Status.CONFLICT),
        Arguments.of(
            "update", 404, status(404, "NotFound", "pods \"p\" not found", null), Status.NOT_FOUND),
        Arguments.of(
            "create",
            429,
            status(429, "TooManyRequests", "too many requests", null),
            Status.RETRYABLE_FAILURE),
        Arguments.of(
            "create",
            500,
            status(500, "InternalError", "etcdserver: request timed out", null),
            Status.RETRYABLE_FAILURE),
        Arguments.of(
            "update",
            503,
            status(503, "ServiceUnavailable", "the server is shutting down", null),
            Status.RETRYABLE_FAILURE),
        Arguments.of(
            "create",
            403,
            status(
                403,
                "Forbidden",
                "pods is forbidden: User \"system:anonymous\" cannot create resource \"pods\"",
                null),
            Status.FAILED),
        Arguments.of(
            "create",
            403,
            status(
                403,
                "Forbidden",
                "pods \"p\" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=10, limited: pods=10",
                null),
            Status.RETRYABLE_FAILURE),
        Arguments.of(
            "create",
            403,
            status(
                403,
                "Forbidden",
                "pods \"p\" is forbidden: unable to create new content in namespace default because it is being "
                    + "terminated",
                "NamespaceTerminating"),
            Status.RETRYABLE_FAILURE),
        Arguments.of(
            "create",
            422,
            status(422, "Invalid", "Pod \"p\" is invalid: spec.containers: Required value", null),
            Status.FAILED));
  }

  @ParameterizedTest(name = "{0} answered {1} -> {3}")
  @MethodSource("answers")
  void httpAnswersMapToWriteStatuses(String write, int code, String body, Status expected)
      throws IOException {
    when(http.intercept(any())).thenAnswer(inv -> answer(inv.getArgument(0), code, body));

    WriteResult result = write(write);

    assertThat(result.status()).isEqualTo(expected);
    assertThat(result.message()).isNotEmpty();
    verify(http, times(1)).intercept(any()); // one request, no retry inside the adapter
  }

  @Test
  void aTimeoutIsRetryable() throws IOException {
    when(http.intercept(any())).thenThrow(new SocketTimeoutException("timeout"));

    WriteResult result = write("create");

    assertThat(result.status()).isEqualTo(Status.RETRYABLE_FAILURE);
    assertThat(result.message()).contains("timeout");
    verify(http, times(1)).intercept(any());
  }

  @Test
  void aCreateIsOnePostOfThePodAndReturnsTheStoredObject() throws IOException {
    String stored =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\","
            + "\"resourceVersion\":\"42\",\"uid\":\"u-1\"}}";
    when(http.intercept(any())).thenAnswer(inv -> answer(inv.getArgument(0), 201, stored));

    WriteResult result = write("create");

    assertThat(result.status()).isEqualTo(Status.OK);
    assertThat(result.object().getMetadata().getResourceVersion()).isEqualTo("42");
    Request sent = onlyRequest();
    assertThat(sent.method()).isEqualTo("POST");
    assertThat(sent.url().encodedPath()).isEqualTo("/api/v1/namespaces/default/pods");
    assertThat(body(sent)).contains("\"name\":\"p\"");
  }

  @Test
  void aDeleteWithUidIsOneDeleteCarryingTheUidPrecondition() throws IOException {
    when(http.intercept(any()))
        .thenAnswer(
            inv ->
                answer(
                    inv.getArgument(0),
                    200,
                    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"}}"));

    WriteResult result = api.delete(TestPods.POD, "default", "p", "u-1");

    assertThat(result.status()).isEqualTo(Status.OK);
    Request sent = onlyRequest();
    assertThat(sent.method()).isEqualTo("DELETE");
    assertThat(sent.url().encodedPath()).isEqualTo("/api/v1/namespaces/default/pods/p");
    assertThat(body(sent)).contains("\"preconditions\"").contains("\"uid\":\"u-1\"");
  }

  private WriteResult write(String write) {
    V1Pod pod = TestPods.pod("p", "node-1");
    Function<V1Pod, WriteResult> op =
        switch (write) {
          case "create" -> p -> api.create(TestPods.POD, p);
          case "update" ->
              p -> {
                p.getMetadata().resourceVersion("7");
                return api.update(TestPods.POD, p);
              };
          case "delete" -> p -> api.delete(TestPods.POD, "default", "p", "u-1");
          default -> throw new IllegalArgumentException(write);
        };
    return op.apply(pod);
  }

  private Request onlyRequest() throws IOException {
    ArgumentCaptor<Interceptor.Chain> chain = ArgumentCaptor.forClass(Interceptor.Chain.class);
    verify(http, times(1)).intercept(chain.capture());
    return chain.getValue().request();
  }

  private static String body(Request request) throws IOException {
    Buffer buffer = new Buffer();
    request.body().writeTo(buffer);
    return buffer.readUtf8();
  }

  private static Response answer(Interceptor.Chain chain, int code, String body) {
    return new Response.Builder()
        .request(chain.request())
        .protocol(Protocol.HTTP_1_1)
        .code(code)
        .message("HTTP " + code)
        .body(ResponseBody.create(body, JSON))
        .build();
  }

  private static String status(int code, String reason, String rawMessage, String causeReason) {
    String message = rawMessage.replace("\"", "\\\"");
    String details =
        causeReason == null
            ? ""
            : ",\"details\":{\"causes\":[{\"reason\":\""
                + causeReason
                + "\",\"message\":\""
                + message
                + "\"}]}";
    return "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"code\":"
        + code
        + ",\"reason\":\""
        + reason
        + "\",\"message\":\""
        + message
        + "\""
        + details
        + "}";
  }
}
