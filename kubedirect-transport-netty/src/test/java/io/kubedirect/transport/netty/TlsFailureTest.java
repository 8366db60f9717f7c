package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Bad certificates: each gets a clear, typed error (UNAUTHORIZED with a message naming the
 * problem), a WARN log line, a metric with the reason, and the server keeps serving good clients.
 */
class TlsFailureTest {

  private static X509Bundle ca;

  @BeforeAll
  static void pki() throws Exception {
    ca =
        new CertificateBuilder()
            .subject("CN=kubedirect-test-ca")
            .setIsCertificateAuthority(true)
            .notBefore(Instant.now().minus(Duration.ofDays(10)))
            .buildSelfSigned();
  }

  static X509Bundle expiredCert(String stage) throws Exception {
    return new CertificateBuilder()
        .subject("CN=" + stage)
        .notBefore(Instant.now().minus(Duration.ofDays(3)))
        .notAfter(Instant.now().minus(Duration.ofDays(1)))
        .addExtendedKeyUsageServerAuth()
        .addExtendedKeyUsageClientAuth()
        .addSanUriName("urn:kubedirect:stage:" + stage)
        .buildIssuedBy(ca);
  }

  private static NettyTransport server(
      SimpleMeterRegistry metrics, X509Bundle cert, TlsConfig.Provider provider) {
    return NettyTransport.builder()
        .stageName("scheduler")
        .meterRegistry(metrics)
        .tls(TlsTest.tls(cert, ca, provider))
        .build();
  }

  /**
   * Dials with {@code tls}, waits until the attempt failed, and returns the client-side failure.
   */
  private static LinkException failedDial(LinkServer listening, NettyTransport client) {
    NettyClientLink dialled =
        (NettyClientLink)
            client.connect(listening.localAddress(), "scheduler", RecordingHandler.recording());
    try {
      eventually().until(() -> dialled.lastFailure() != null);
      assertThat(dialled.current()).isEmpty();
      return dialled.lastFailure();
    } finally {
      dialled.close();
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Provider.class,
      names = {"OPENSSL", "JDK"})
  void expiredClientCertificate(TlsConfig.Provider provider) throws Exception {
    TlsTest.assumeAvailable(provider);
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    RecordingHandler serverHandler = RecordingHandler.acking();
    try (NettyTransport server =
            server(serverMetrics, TlsTest.stageCert(ca, "scheduler", "scheduler"), provider);
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(TlsTest.tls(expiredCert("replicaset"), ca, provider))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      LinkException failure = failedDial(listening, client);
      assertThat(failure.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
      assertThat(failure.getMessage()).contains("expired").contains("CN=replicaset");
      eventually().until(() -> Fixtures.tlsFailures(serverMetrics, "expired") >= 1);
      assertThat(Fixtures.tlsFailures(client.meterRegistry(), "expired")).isGreaterThanOrEqualTo(1);
      assertThat(Fixtures.errors(serverMetrics, ErrorCode.UNAUTHORIZED)).isGreaterThanOrEqualTo(1);
      assertThat(serverHandler.opened).isEmpty();
      assertGoodClientIsServed(listening, provider);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Provider.class,
      names = {"OPENSSL", "JDK"})
  void expiredServerCertificate(TlsConfig.Provider provider) throws Exception {
    TlsTest.assumeAvailable(provider);
    SimpleMeterRegistry clientMetrics = new SimpleMeterRegistry();
    try (NettyTransport server =
            server(new SimpleMeterRegistry(), expiredCert("scheduler"), provider);
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .meterRegistry(clientMetrics)
                .tls(TlsTest.tls(TlsTest.stageCert(ca, "replicaset", "replicaset"), ca, provider))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), RecordingHandler.acking());
      LinkException failure = failedDial(listening, client);
      assertThat(failure.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
      assertThat(failure.getMessage()).contains("server certificate 'CN=scheduler' expired at");
      assertThat(Fixtures.tlsFailures(clientMetrics, "expired")).isGreaterThanOrEqualTo(1);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Provider.class,
      names = {"OPENSSL", "JDK"})
  void certificateOfTheWrongStage(TlsConfig.Provider provider) throws Exception {
    TlsTest.assumeAvailable(provider);
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    RecordingHandler serverHandler = RecordingHandler.acking();
    // A valid certificate from the trusted CA, but for the kubelet: the replicaset stage was given
    // the wrong Secret.
    try (NettyTransport server =
            server(serverMetrics, TlsTest.stageCert(ca, "scheduler", "scheduler"), provider);
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(TlsTest.tls(TlsTest.stageCert(ca, "kubelet-0", "kubelet"), ca, provider))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      LinkException failure = failedDial(listening, client);
      assertThat(failure.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
      assertThat(failure.getMessage())
          .contains("Hello claims stage 'replicaset'")
          .contains("is for stage 'kubelet'");
      eventually().until(() -> Fixtures.tlsFailures(serverMetrics, "stage-mismatch") >= 1);
      assertThat(serverHandler.opened).isEmpty();
      assertGoodClientIsServed(listening, provider);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Provider.class,
      names = {"OPENSSL", "JDK"})
  void clientWithoutCertificate(TlsConfig.Provider provider) throws Exception {
    TlsTest.assumeAvailable(provider);
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    RecordingHandler serverHandler = RecordingHandler.acking();
    try (NettyTransport server =
            server(serverMetrics, TlsTest.stageCert(ca, "scheduler", "scheduler"), provider);
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(TlsConfig.builder().trust(ca.getCertificate()).provider(provider).build())
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      LinkException failure = failedDial(listening, client);
      assertThat(failure.code()).isEqualTo(ErrorCode.UNAUTHORIZED);
      assertThat(failure.getMessage()).contains("client certificate");
      eventually().until(() -> Fixtures.tlsFailures(serverMetrics, "no-certificate") >= 1);
      assertThat(serverHandler.opened).isEmpty();
      assertGoodClientIsServed(listening, provider);
    }
  }

  private static void assertGoodClientIsServed(LinkServer listening, TlsConfig.Provider provider)
      throws Exception {
    RecordingHandler good = RecordingHandler.recording();
    try (NettyTransport client =
        NettyTransport.builder()
            .stageName("replicaset")
            .tls(TlsTest.tls(TlsTest.stageCert(ca, "replicaset", "replicaset"), ca, provider))
            .build()) {
      ClientLink dialled = client.connect(listening.localAddress(), "scheduler", good);
      eventually().until(() -> dialled.current().isPresent());
      dialled.current().orElseThrow().send(Fixtures.batch(9, 0, 2));
      eventually().until(() -> good.acks() == 1);
    }
  }
}
