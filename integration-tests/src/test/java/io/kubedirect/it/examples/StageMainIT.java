package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.StageMain;
import io.kubedirect.examples.faas.common.LoopbackPorts;
import io.kubedirect.it.deploy.Manifests;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrofitted chain as the manifests run it: one {@link StageMain} per stage (here in one JVM,
 * on loopback), with mutual TLS from files in the {@code kubernetes.io/tls} Secret layout and
 * leader election (each stage takes its Lease in the chain's namespace and advertises its address
 * there; the upstreams find their downstream's leader through it), each acting as its own
 * ServiceAccount from {@code deploy/base} (a TokenRequest token, with the base's RBAC applied),
 * against the real kube-apiserver. A second scheduler replica waits as a ready standby. A burst
 * converges to exactly the right pods, so the RBAC of each stage covers the calls it makes; then
 * each stage's {@code /metrics} is scraped once and shows that links, batches, acks, epochs and the
 * write-back moved, and {@code /readyz} reports ready.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class StageMainIT {

  private static final Logger log = LoggerFactory.getLogger(StageMainIT.class);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void chainRunsUnderItsOwnServiceAccountsAndServesMetrics(LocalControlPlane cp, @TempDir Path tmp)
      throws Exception {
    ApiClient admin = cp.apiClient();
    Manifests.applyIdentities(cp);
    Path rsKc =
        Manifests.kubeconfig(
            cp, Manifests.token(admin, "replicaset"), tmp.resolve("replicaset.kubeconfig"));
    Path schedKc =
        Manifests.kubeconfig(
            cp, Manifests.token(admin, "scheduler"), tmp.resolve("scheduler.kubeconfig"));
    Path smKc =
        Manifests.kubeconfig(
            cp, Manifests.token(admin, "sandbox-manager"), tmp.resolve("sm.kubeconfig"));
    int burst = 60;
    try (SliceFixture f = new SliceFixture(admin, 3)) {
      String nodes = String.join(",", f.nodes);
      int schedPort = freePort();
      int smPort = freePort();
      X509Bundle ca =
          new CertificateBuilder()
              .subject("CN=kubedirect-faas-ca")
              .setIsCertificateAuthority(true)
              .notBefore(Instant.now().minus(Duration.ofHours(1)))
              .buildSelfSigned();
      List<String> common =
          List.of(
              "--metrics-host=127.0.0.1",
              "--metrics-port=0",
              "--leader-election",
              "--lease-namespace=" + Manifests.NAMESPACE,
              "--lease-duration=4s",
              "--renew-deadline=3s",
              "--retry-period=500ms");
      try (StageMain.Running sm =
              StageMain.start(
                  args(
                      common,
                      "--stage=sandbox-manager",
                      "--kubeconfig=" + smKc,
                      "--tls-dir=" + secret(tmp, ca, "sandbox-manager"),
                      "--listen=127.0.0.1:" + smPort,
                      "--nodes=" + nodes,
                      "--max-start-delay=20ms"));
          StageMain.Running scheduler =
              StageMain.start(
                  args(
                      common,
                      "--stage=scheduler",
                      "--kubeconfig=" + schedKc,
                      "--tls-dir=" + secret(tmp, ca, "scheduler"),
                      "--listen=127.0.0.1:" + schedPort,
                      "--identity=scheduler-0",
                      "--nodes=" + nodes));
          StageMain.Running rs =
              StageMain.start(
                  args(
                      common,
                      "--stage=replicaset",
                      "--kubeconfig=" + rsKc,
                      "--tls-dir=" + secret(tmp, ca, "replicaset"),
                      "--identity=replicaset-0"))) {
        for (StageMain.Running r : List.of(sm, scheduler, rs)) {
          await()
              .atMost(Duration.ofSeconds(60))
              .until(
                  () ->
                      get(r, "/readyz").statusCode() == 200
                          && sum(get(r, "/metrics").body(), "kubedirect_leader", Map.of()) == 1.0);
          assertThat(get(r, "/healthz").statusCode()).isEqualTo(200);
        }
        // A second scheduler replica under the same identity waits as a ready standby: it runs
        // nothing.
        try (StageMain.Running standby =
            StageMain.start(
                args(
                    common,
                    "--stage=scheduler",
                    "--kubeconfig=" + schedKc,
                    "--tls-dir=" + secret(tmp, ca, "scheduler"),
                    "--listen=127.0.0.1:" + freePort(),
                    "--identity=scheduler-1",
                    "--nodes=" + nodes))) {
          await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> get(standby, "/readyz").statusCode() == 200);
          assertThat(
                  sum(
                      get(standby, "/metrics").body(),
                      "kubedirect_leader",
                      Map.of("stage", "scheduler")))
              .isZero();
          assertThat(sum(get(standby, "/metrics").body(), "kubedirect_link_state", Map.of()))
              .isZero();
        }
        String uid = f.createReplicaSet(0).getMetadata().getUid();
        f.scale(burst);
        f.awaitExactly(burst, uid, Duration.ofSeconds(150));
        assertThat(f.everSeen())
            .as("no pod persisted beyond the %d asked for", burst)
            .hasSize(burst);

        String rsText = get(rs, "/metrics").body();
        String schedText = get(scheduler, "/metrics").body();
        String smText = get(sm, "/metrics").body();
        log.info(
            "scraped {} / {} / {} bytes of metrics",
            rsText.length(),
            schedText.length(),
            smText.length());
        // The head sent batches and got them acknowledged over a ready link.
        assertThat(
                sum(
                    rsText,
                    "kubedirect_link_batches_total",
                    Map.of("stage", "replicaset", "direction", "out")))
            .isPositive();
        assertThat(
                sum(
                    rsText,
                    "kubedirect_session_messages_total",
                    Map.of("stage", "replicaset", "direction", "in", "type", "ack")))
            .isPositive();
        assertThat(
                sum(
                    rsText,
                    "kubedirect_link_state",
                    Map.of("stage", "replicaset", "state", "ready")))
            .isEqualTo(1.0);
        assertThat(
                sum(
                    rsText,
                    "kubedirect_link_ack_latency_seconds_count",
                    Map.of("stage", "replicaset")))
            .isPositive();
        // The relay accepted the head's epoch and forwarded batches.
        assertThat(
                sum(
                    schedText,
                    "kubedirect_source_epoch",
                    Map.of("stage", "scheduler", "source", "replicaset")))
            .isEqualTo(sum(rsText, "kubedirect_link_epoch", Map.of("stage", "replicaset")));
        assertThat(
                sum(
                    schedText,
                    "kubedirect_link_batches_total",
                    Map.of("stage", "scheduler", "direction", "out")))
            .isPositive();
        // The tail received every pod and wrote them back; nothing went through fallback.
        assertThat(
                sum(
                    smText,
                    "kubedirect_link_objects_total",
                    Map.of("stage", "sandbox-manager", "direction", "in")))
            .isGreaterThanOrEqualTo(burst);
        assertThat(
                sum(
                    smText,
                    "kubedirect_writeback_lag_seconds_count",
                    Map.of("stage", "sandbox-manager")))
            .isGreaterThanOrEqualTo(burst);
        assertThat(sum(smText, "kubedirect_writeback_pending", Map.of("stage", "sandbox-manager")))
            .isZero();
        for (String text : List.of(rsText, schedText, smText)) {
          assertThat(sum(text, "kubedirect_fallback_writes_total", Map.of())).isZero();
          assertThat(sum(text, "kubedirect_tls_handshake_failures_total", Map.of())).isZero();
          assertThat(sum(text, "kubedirect_tls_certificate_expiry_seconds", Map.of()))
              .isGreaterThan(Instant.now().getEpochSecond());
          assertThat(text).contains("jvm_memory_used_bytes");
        }
      }
    }
  }

  /**
   * tls.crt, tls.key and ca.crt of {@code stage}, as a kubernetes.io/tls Secret volume (or
   * cert-manager) holds them.
   */
  private static Path secret(Path tmp, X509Bundle ca, String stage) throws Exception {
    X509Bundle own =
        new CertificateBuilder()
            .subject("CN=" + stage)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .addExtendedKeyUsageServerAuth()
            .addExtendedKeyUsageClientAuth()
            .addSanUriName("urn:kubedirect:stage:" + stage)
            .buildIssuedBy(ca);
    Path dir = Files.createDirectories(tmp.resolve("tls-" + stage));
    Files.writeString(dir.resolve("tls.crt"), own.getCertificatePathPEM());
    Files.writeString(dir.resolve("tls.key"), own.getPrivateKeyPEM());
    Files.writeString(dir.resolve("ca.crt"), ca.getCertificatePEM());
    return dir;
  }

  private static String[] args(List<String> common, String... more) {
    List<String> all = new ArrayList<>(common);
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  private static HttpResponse<String> get(StageMain.Running r, String path)
      throws IOException, InterruptedException {
    URI uri = r.metricsServer().uri().resolve(path);
    return HTTP.send(
        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  /** The sum of the samples named {@code name} whose labels include {@code match}. */
  static double sum(String text, String name, Map<String, String> match) {
    double total = 0;
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      if (!m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> labels = new java.util.HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      if (labels.entrySet().containsAll(match.entrySet())) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }

  private static int freePort() {
    return LoopbackPorts.next();
  }
}
