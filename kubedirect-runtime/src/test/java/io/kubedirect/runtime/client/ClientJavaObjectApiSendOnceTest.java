package io.kubedirect.runtime.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.engine.TestPods;
import io.kubernetes.client.openapi.ApiClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A POST whose answer is lost (the server read it, maybe committed it, and closed the connection)
 * is sent once: the adapter reports {@code RETRYABLE_FAILURE} and leaves the decision to the
 * write-back queue's ambiguous-create barrier. OkHttp's default silent resend after a connection
 * failure re-created pods the garbage collector had deleted meanwhile (fault matrix, partition x
 * owner-delete). A real socket server here, since the resend happens below OkHttp's interceptors.
 */
class ClientJavaObjectApiSendOnceTest {

  private ServerSocket server;
  private final List<String> requestLines = new CopyOnWriteArrayList<>();
  private Thread acceptor;

  @BeforeEach
  void startServerThatHangsUpAfterEachRequest() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor =
        new Thread(
            () -> {
              while (!server.isClosed()) {
                try (Socket s = server.accept()) {
                  serve(s);
                } catch (IOException closed) {
                  if (server.isClosed()) {
                    return;
                  }
                }
              }
            },
            "hang-up-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * Answers GETs (keeping the connection, so the client pools it) and hangs up on a POST after
   * reading it: to the client a pooled connection that broke mid-request, which OkHttp by default
   * retries on a new connection.
   */
  private void serve(Socket s) throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
    while (true) {
      String line = in.readLine();
      if (line == null) {
        return;
      }
      requestLines.add(line);
      int length = 0;
      for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
        if (h.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
          length = Integer.parseInt(h.substring("content-length:".length()).trim());
        }
      }
      for (int i = 0; i < length; i++) {
        in.read();
      }
      if (!line.startsWith("GET ")) {
        return; // hang up without an answer
      }
      byte[] body =
          "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"namespace\":\"default\"}}"
              .getBytes(StandardCharsets.UTF_8);
      s.getOutputStream()
          .write(
              ("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                      + body.length
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.ISO_8859_1));
      s.getOutputStream().write(body);
      s.getOutputStream().flush();
    }
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
    acceptor.join(5_000);
  }

  private ClientJavaObjectApi api() {
    ApiClient client = new ApiClient();
    client.setBasePath("http://127.0.0.1:" + server.getLocalPort());
    return new ClientJavaObjectApi(client);
  }

  @Test
  void aCreateWhoseAnswerIsLostIsSentOnceAndReportedRetryable() {
    ClientJavaObjectApi api = api();
    assertThat(api.get(TestPods.POD, "default", "p")).as("a pooled connection").isPresent();

    WriteResult r = api.create(TestPods.POD, TestPods.pod("p", "node-1"));

    assertThat(r.status()).isEqualTo(WriteResult.Status.RETRYABLE_FAILURE);
    assertThat(requestLines)
        .as("one POST, no silent resend")
        .filteredOn(l -> l.startsWith("POST"))
        .containsExactly("POST /api/v1/namespaces/default/pods HTTP/1.1");
  }

  @Test
  void aBindingWhoseAnswerIsLostIsSentOnce() {
    ClientJavaObjectApi api = api();
    assertThat(api.get(TestPods.POD, "default", "p")).isPresent();

    WriteResult r =
        api.createSubresource(TestPods.POD, "default", "p", "binding", TestPods.pod("p", "node-1"));

    assertThat(r.status()).isEqualTo(WriteResult.Status.RETRYABLE_FAILURE);
    assertThat(requestLines).filteredOn(l -> l.startsWith("POST")).hasSize(1);
  }
}
