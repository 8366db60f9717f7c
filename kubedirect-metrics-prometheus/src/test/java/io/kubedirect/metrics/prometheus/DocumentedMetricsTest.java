package io.kubedirect.metrics.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.runtime.internal.engine.EngineLimits;
import io.kubedirect.runtime.internal.engine.StageEngine;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.netty.NettyTransport;
import io.kubedirect.transport.netty.TlsConfig;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drives a real two-stage engine chain (head -> tail) over real mutual-TLS Netty links into one
 * {@link KubeDirectPrometheus} registry, and checks the Prometheus scrape against the metrics
 * reference in docs/operations.md: every {@code kubedirect_*} family scraped is documented there
 * with exactly the documented labels, and the families an operator needs first (link state, epochs,
 * handshakes, batches, acks, write-back queue depth and lag, fallbacks, errors by code, TLS) are
 * present with the values the scenario implies.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DocumentedMetricsTest {

  static final String POD = "/v1/Pod";
  static final StageDeclaration HEAD =
      StageDeclaration.builder("head").downstream("tail").emits(V1Pod.class).build();
  static final StageDeclaration TAIL =
      StageDeclaration.builder("tail").upstream("head").receives(V1Pod.class).build();

  /**
   * Families the scenario must produce (Prometheus names), beyond "everything scraped is
   * documented".
   */
  static final List<String> REQUIRED =
      List.of(
          "kubedirect_link_state",
          "kubedirect_link_epoch",
          "kubedirect_link_fallback",
          "kubedirect_source_epoch",
          "kubedirect_handshakes_total",
          "kubedirect_link_batches_total",
          "kubedirect_link_objects_total",
          "kubedirect_session_messages_total",
          "kubedirect_link_ack_latency_seconds",
          "kubedirect_writeback_pending",
          "kubedirect_writeback_lag_seconds",
          "kubedirect_fallback_writes_total",
          "kubedirect_link_errors_total",
          "kubedirect_ephemeral_objects",
          "kubedirect_dirty_objects",
          "kubedirect_link_messages_total",
          "kubedirect_link_bytes_total",
          "kubedirect_link_rtt_seconds",
          "kubedirect_link_connect_failures_total",
          "kubedirect_link_connections",
          "kubedirect_tls_handshake_failures_total",
          "kubedirect_tls_reloads_total",
          "kubedirect_tls_certificate_expiry_seconds");

  @Test
  void scrapeShowsTheDocumentedNamesAndLabels(@TempDir Path tmp) throws Exception {
    Map<String, DocumentedMetric> documented =
        DocumentedMetric.read(Path.of("..", "docs", "operations.md"));
    assertThat(documented).as("metrics reference table in docs/operations.md").isNotEmpty();

    X509Bundle ca =
        new CertificateBuilder()
            .subject("CN=kubedirect-test-ca")
            .setIsCertificateAuthority(true)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .buildSelfSigned();
    Path headTls = secretDir(tmp.resolve("head"), ca, "head");
    Path tailTls = secretDir(tmp.resolve("tail"), ca, "tail");

    PrometheusMeterRegistry registry = KubeDirectPrometheus.newRegistry();
    registry
        .throwExceptionOnRegistrationFailure(); // a name registered twice with other labels fails
    // the test
    List<String> scrapes = new ArrayList<>();
    try (InMemoryApi api = new InMemoryApi();
        ExecutorServiceTaskScheduler tailScheduler = new ExecutorServiceTaskScheduler("tail", 2);
        ExecutorServiceTaskScheduler headScheduler = new ExecutorServiceTaskScheduler("head", 2)) {
      NettyTransport tailTransport =
          NettyTransport.builder()
              .stageName("tail")
              .tls(TlsConfig.fromFiles(tailTls))
              .meterRegistry(registry)
              .build();
      StageEngine tail =
          StageEngine.builder()
              .stage(TAIL)
              .transport(tailTransport)
              .scheduler(tailScheduler)
              .persistedApi(api)
              .persistedFeed(api)
              .listen(new PeerAddress("127.0.0.1", 0))
              .meterRegistry(registry)
              .writeBack(POD, WriteBackPolicy.EXPOSE_ON_RECEIPT)
              .build();
      tail.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> tail.localAddress().isPresent());
      PeerAddress tailAddress = tail.localAddress().orElseThrow();

      NettyTransport headTransport =
          NettyTransport.builder()
              .stageName("head")
              .tls(TlsConfig.fromFiles(headTls))
              .meterRegistry(registry)
              .build();
      StageEngine head =
          StageEngine.builder()
              .stage(HEAD)
              .transport(headTransport)
              .scheduler(headScheduler)
              .persistedApi(api)
              .persistedFeed(api)
              .discovery(PeerDiscoveries.staticTable().route("tail", "node-0", tailAddress).build())
              .limits(EngineLimits.defaults().withFallbackAfter(Duration.ofSeconds(1)))
              .meterRegistry(registry)
              .build();
      head.start();
      try {
        // 1. Pods over the link while it is up (each write waits for that: a loaded machine may
        // drop a link on a
        // heartbeat timeout now and then); the tail writes them back.
        for (int i = 0; i < 20; i++) {
          await().atMost(Duration.ofSeconds(20)).until(() -> linkReady(registry));
          write(head, i, 1).get(0).get(20, TimeUnit.SECONDS);
        }
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(List.of(api.size(POD), head.dirtyCount()))
                        .as(
                            "stored, head dirty; tail ephemeral %d; %s",
                            tail.store().size(),
                            registry
                                .scrape()
                                .lines()
                                .filter(l -> l.contains("stage=\"tail\"") && !l.contains("bucket"))
                                .toList())
                        .containsExactly(20, 0));
        // 2. A peer that does not speak TLS: one failed handshake, one MALFORMED link error at the
        // tail.
        speakPlaintextTo(tailAddress);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    registry
                        .scrape()
                        .contains(
                            "kubedirect_tls_handshake_failures_total{reason=\"not-tls\",stage=\"tail\"} 1"));
        await()
            .atMost(Duration.ofSeconds(10))
            .until(
                () ->
                    registry.find("kubedirect.link.rtt").timers().stream()
                        .anyMatch(t -> t.count() > 0));
        String first = registry.scrape();
        scrapes.add(first);
        Scrape s1 = Scrape.parse(first);
        assertThat(s1.value("kubedirect_link_state", Map.of("stage", "head", "state", "ready")))
            .isEqualTo(1.0);
        assertThat(
                s1.value("kubedirect_link_state", Map.of("stage", "head", "state", "disconnected")))
            .isZero();
        assertThat(s1.value("kubedirect_link_fallback", Map.of("stage", "head"))).isZero();
        double headEpoch = s1.value("kubedirect_link_epoch", Map.of("stage", "head"));
        assertThat(headEpoch).isPositive();
        assertThat(s1.value("kubedirect_source_epoch", Map.of("stage", "tail", "source", "head")))
            .isEqualTo(headEpoch);
        assertThat(
                s1.sum(
                    "kubedirect_link_objects_total", Map.of("stage", "head", "direction", "out")))
            .isPositive();
        assertThat(
                s1.sum("kubedirect_link_batches_total", Map.of("stage", "tail", "direction", "in")))
            .isPositive();
        assertThat(
                s1.sum(
                    "kubedirect_link_batches_total", Map.of("stage", "head", "direction", "out")))
            .isPositive();
        assertThat(
                s1.sum("kubedirect_session_messages_total", Map.of("stage", "head", "type", "ack")))
            .as("acks received by the head")
            .isPositive();
        assertThat(s1.sum("kubedirect_link_ack_latency_seconds_count", Map.of("stage", "head")))
            .isPositive();
        assertThat(s1.sum("kubedirect_handshakes_total", Map.of("stage", "tail", "outcome", "ok")))
            .as("round 1 and round 2")
            .isGreaterThanOrEqualTo(2.0);
        assertThat(s1.sum("kubedirect_writeback_lag_seconds_count", Map.of("stage", "tail")))
            .isGreaterThanOrEqualTo(20.0);
        assertThat(
                s1.sum(
                    "kubedirect_writeback_lag_seconds_bucket",
                    Map.of("stage", "tail", "le", "+Inf")))
            .as("histogram buckets")
            .isEqualTo(s1.sum("kubedirect_writeback_lag_seconds_count", Map.of("stage", "tail")));
        assertThat(s1.value("kubedirect_writeback_pending", Map.of("stage", "tail"))).isZero();
        assertThat(s1.value("kubedirect_ephemeral_objects", Map.of("stage", "tail"))).isZero();
        assertThat(
                s1.sum(
                    "kubedirect_link_errors_total", Map.of("stage", "tail", "code", "MALFORMED")))
            .isEqualTo(1.0);
        assertThat(s1.value("kubedirect_tls_certificate_expiry_seconds", Map.of("stage", "tail")))
            .isGreaterThan(Instant.now().getEpochSecond());
        assertThat(
                s1.sum("kubedirect_link_bytes_total", Map.of("stage", "head", "direction", "out")))
            .isPositive();

        // 3. The tail goes away: the head's link falls back to the API Server after its deadline.
        tail.close();
        tailTransport.close();
        List<CompletableFuture<?>> late = write(head, 20, 5);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> late.stream().allMatch(CompletableFuture::isDone) && api.size(POD) == 25);
        String second = registry.scrape();
        scrapes.add(second);
        Scrape s2 = Scrape.parse(second);
        assertThat(s2.value("kubedirect_link_fallback", Map.of("stage", "head"))).isEqualTo(1.0);
        assertThat(s2.value("kubedirect_link_state", Map.of("stage", "head", "state", "ready")))
            .isZero();
        assertThat(
                s2.sum(
                    "kubedirect_fallback_writes_total",
                    Map.of("stage", "head", "reason", "link-down")))
            .isEqualTo(5.0);
        assertThat(s2.sum("kubedirect_link_connect_failures_total", Map.of("stage", "head")))
            .isPositive();
        assertThat(s2.families())
            .as("a closed stage's gauges are removed")
            .doesNotContain("kubedirect_source_epoch");
        assertThat(s2.samples("kubedirect_link_connections", Map.of("stage", "tail")))
            .as("a closed transport's gauges are removed")
            .isEmpty();
        assertThat(s2.samples("kubedirect_tls_certificate_expiry_seconds", Map.of("stage", "tail")))
            .isEmpty();
        assertThat(s2.samples("kubedirect_tls_certificate_expiry_seconds", Map.of("stage", "head")))
            .hasSize(1);
      } finally {
        head.close();
        headTransport.close();
        tail.close();
        tailTransport.close();
      }
    }

    Set<String> seen = new TreeSet<>();
    for (String text : scrapes) {
      Scrape scrape = Scrape.parse(text);
      for (String family : scrape.families()) {
        if (!family.startsWith("kubedirect_")) {
          continue;
        }
        String base = family.endsWith("_max") ? family.substring(0, family.length() - 4) : null;
        if (base != null
            && documented.containsKey(base)
            && "histogram".equals(documented.get(base).type())) {
          // Micrometer adds a <histogram>_max gauge with the histogram's labels (documented with
          // the histogram)
          assertThat(scrape.labelSets(family))
              .allSatisfy(l -> assertThat(l).isEqualTo(documented.get(base).labels()));
          continue;
        }
        seen.add(family);
        DocumentedMetric doc = documented.get(family);
        assertThat(doc)
            .as("%s is in the metrics reference of docs/operations.md", family)
            .isNotNull();
        assertThat(scrape.type(family)).as("type of %s", family).isEqualTo(doc.type());
        for (Set<String> labels : scrape.labelSets(family)) {
          Set<String> expected = new TreeSet<>(doc.labels());
          if ("histogram".equals(doc.type()) && labels.contains("le")) {
            expected.add("le");
          }
          assertThat(labels).as("labels of %s", family).isEqualTo(expected);
        }
      }
    }
    assertThat(seen).containsAll(REQUIRED);
  }

  private static boolean linkReady(PrometheusMeterRegistry registry) {
    return registry
        .find("kubedirect.link.state")
        .tag("stage", "head")
        .tag("state", "ready")
        .gauges()
        .stream()
        .anyMatch(g -> g.value() == 1.0);
  }

  private static List<CompletableFuture<?>> write(StageEngine head, int from, int count) {
    List<CompletableFuture<?>> out = new ArrayList<>();
    for (int i = from; i < from + count; i++) {
      out.add(head.write(POD, WriteOp.CREATE, pod("fn-" + i)));
    }
    return out;
  }

  private static V1Pod pod(String name) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace("default").labels(Map.of("app", "fn")))
        .spec(
            new V1PodSpec()
                .nodeName("node-0")
                .containers(List.of(new V1Container().name("main").image("registry.local/fn:1"))));
  }

  /**
   * Writes tls.crt, tls.key and ca.crt for {@code stage} as a kubernetes.io/tls Secret volume holds
   * them.
   */
  static Path secretDir(Path dir, X509Bundle ca, String stage) throws Exception {
    X509Bundle own =
        new CertificateBuilder()
            .subject("CN=" + stage)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .addExtendedKeyUsageServerAuth()
            .addExtendedKeyUsageClientAuth()
            .addSanUriName("urn:kubedirect:stage:" + stage)
            .addSanIpAddress("127.0.0.1")
            .buildIssuedBy(ca);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve(TlsConfig.CERT_FILE), own.getCertificatePathPEM());
    Files.writeString(dir.resolve(TlsConfig.KEY_FILE), own.getPrivateKeyPEM());
    Files.writeString(dir.resolve(TlsConfig.CA_FILE), ca.getCertificatePEM());
    return dir;
  }

  private static void speakPlaintextTo(PeerAddress address) throws IOException {
    try (Socket s = new Socket(address.host(), address.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      InputStream in = s.getInputStream();
      while (in.read() >= 0) {
        // until the server closes the connection
      }
    }
  }

  /** One row of the metrics reference: Prometheus family name, type and label names. */
  record DocumentedMetric(String name, String type, Set<String> labels) {

    private static final java.util.regex.Pattern ROW =
        java.util.regex.Pattern.compile(
            "^\\|\\s*`(kubedirect_[a-z0-9_]+)`\\s*\\|\\s*(counter|gauge|histogram|summary)\\s*\\|([^|]*)\\|");
    private static final java.util.regex.Pattern CODE =
        java.util.regex.Pattern.compile("`([a-z_]+)`");

    static Map<String, DocumentedMetric> read(Path markdown) throws IOException {
      Map<String, DocumentedMetric> out = new TreeMap<>();
      for (String line : Files.readAllLines(markdown)) {
        java.util.regex.Matcher m = ROW.matcher(line);
        if (m.find()) {
          Set<String> labels = new TreeSet<>();
          java.util.regex.Matcher c = CODE.matcher(m.group(3));
          while (c.find()) {
            labels.add(c.group(1));
          }
          out.put(m.group(1), new DocumentedMetric(m.group(1), m.group(2), labels));
        }
      }
      return out;
    }
  }
}
