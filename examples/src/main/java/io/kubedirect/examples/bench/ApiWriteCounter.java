package io.kubedirect.examples.bench;

import io.kubernetes.client.openapi.ApiClient;
import java.io.IOException;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import okhttp3.Request;
import okhttp3.Response;

/**
 * Counts mutating requests the kube-apiserver has served, from its {@code apiserver_request_total}
 * metric (verbs POST, PUT, PATCH, DELETE, DELETECOLLECTION; every client, every resource). The
 * difference of two readings is the number of API writes during that window.
 */
public final class ApiWriteCounter {

  private static final Pattern SAMPLE =
      Pattern.compile("^apiserver_request_total\\{([^}]*)}\\s+([0-9.eE+]+)$");
  private static final Pattern VERB = Pattern.compile("(?:^|,)verb=\"([A-Z]+)\"");
  private static final Set<String> WRITES =
      Set.of("POST", "PUT", "PATCH", "DELETE", "DELETECOLLECTION");

  private final ApiClient apiClient;
  private final String bearerToken;

  /**
   * A counter reading {@code /metrics} through {@code apiClient}'s HTTP client with {@code
   * bearerToken}.
   */
  public ApiWriteCounter(ApiClient apiClient, String bearerToken) {
    this.apiClient = apiClient;
    this.bearerToken = bearerToken;
  }

  /** Total mutating requests served so far. @throws IOException if the metrics cannot be read */
  public long read() throws IOException {
    return sumWrites(scrape());
  }

  /** The API Server's {@code /metrics} exposition. @throws IOException if it cannot be read */
  String scrape() throws IOException {
    Request request =
        new Request.Builder()
            .url(apiClient.getBasePath() + "/metrics")
            .header("Authorization", "Bearer " + bearerToken)
            .build();
    try (Response response = apiClient.getHttpClient().newCall(request).execute()) {
      if (!response.isSuccessful()) {
        throw new IOException("GET /metrics: HTTP " + response.code());
      }
      return response.body().string();
    }
  }

  /**
   * Sums the mutating samples of {@code apiserver_request_total} in a Prometheus text exposition.
   */
  static long sumWrites(String exposition) {
    double total = 0;
    for (String line : exposition.split("\n")) {
      Matcher m = SAMPLE.matcher(line.trim());
      if (!m.matches()) {
        continue;
      }
      Matcher verb = VERB.matcher(m.group(1));
      if (verb.find() && WRITES.contains(verb.group(1))) {
        total += Double.parseDouble(m.group(2));
      }
    }
    return Math.round(total);
  }
}
