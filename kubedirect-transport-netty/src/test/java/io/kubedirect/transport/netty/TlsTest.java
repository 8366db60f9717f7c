package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.handler.ssl.OpenSsl;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** TLS 1.3 and mutual TLS with certificates from netty-pkitesting, on both providers. */
class TlsTest {

  private static X509Bundle ca;
  private static X509Bundle rogueCa;

  @BeforeAll
  static void pki() throws Exception {
    ca =
        new CertificateBuilder()
            .subject("CN=kubedirect-test-ca")
            .setIsCertificateAuthority(true)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .buildSelfSigned();
    rogueCa =
        new CertificateBuilder()
            .subject("CN=rogue-ca")
            .setIsCertificateAuthority(true)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .buildSelfSigned();
  }

  static X509Bundle stageCert(X509Bundle issuer, String cn, String uriStage) throws Exception {
    CertificateBuilder b =
        new CertificateBuilder()
            .subject("CN=" + cn)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .addExtendedKeyUsageServerAuth()
            .addExtendedKeyUsageClientAuth();
    if (uriStage != null) {
      b.addSanUriName("urn:kubedirect:stage:" + uriStage);
    }
    return b.buildIssuedBy(issuer);
  }

  static TlsConfig tls(X509Bundle own, X509Bundle trusted, TlsConfig.Provider provider) {
    return TlsConfig.builder()
        .keyAndChain(own.getKeyPair().getPrivate(), own.getCertificatePath())
        .trust(trusted.getCertificate())
        .provider(provider)
        .build();
  }

  static void assumeAvailable(TlsConfig.Provider provider) {
    Assumptions.assumeTrue(
        provider != TlsConfig.Provider.OPENSSL || OpenSsl.isAvailable(), "BoringSSL not available");
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Provider.class,
      names = {"OPENSSL", "JDK"})
  void mutualTlsRoundTripWithVerifiedIdentities(TlsConfig.Provider provider) throws Exception {
    assumeAvailable(provider);
    RecordingHandler serverHandler = RecordingHandler.acking();
    RecordingHandler clientHandler = RecordingHandler.recording();
    // The scheduler is named by a URI SAN; the replicaset only by its CN (the fallback).
    try (NettyTransport server =
            NettyTransport.builder()
                .stageName("scheduler")
                .tls(tls(stageCert(ca, "scheduler.kubedirect", "scheduler"), ca, provider))
                .build();
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(tls(stageCert(ca, "replicaset", null), ca, provider))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      ClientLink dialled = client.connect(listening.localAddress(), "scheduler", clientHandler);
      eventually().until(() -> dialled.current().isPresent());
      Link link = dialled.current().orElseThrow();
      assertThat(link.peer().stage()).isEqualTo("scheduler");
      assertThat(link.peer().verified()).isTrue();
      assertThat(link.peer().subject()).isEqualTo("CN=scheduler.kubedirect");
      link.send(Fixtures.batch(1, 0, 100));
      eventually().until(() -> clientHandler.acks() == 1);
      assertThat(serverHandler.opened)
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.peer().stage()).isEqualTo("replicaset");
                assertThat(l.peer().verified()).isTrue();
              });
      assertThat(serverHandler.messages.get(0)).isEqualTo(Fixtures.batch(1, 0, 100));
    }
  }

  @Test
  void pemFilesWork() throws Exception {
    X509Bundle s = stageCert(ca, "scheduler", "scheduler");
    X509Bundle c = stageCert(ca, "replicaset", "replicaset");
    TlsConfig serverTls =
        TlsConfig.builder()
            .keyAndChainPem(s.toTempPrivateKeyPem().toPath(), s.toTempCertChainPem().toPath())
            .trustPem(ca.toTempRootCertPem().toPath())
            .build();
    TlsConfig clientTls =
        TlsConfig.builder()
            .keyAndChainPem(c.toTempPrivateKeyPem().toPath(), c.toTempCertChainPem().toPath())
            .trustPem(ca.toTempRootCertPem().toPath())
            .provider(TlsConfig.Provider.JDK)
            .build();
    RecordingHandler clientHandler = RecordingHandler.recording();
    try (NettyTransport server =
            NettyTransport.builder().stageName("scheduler").tls(serverTls).build();
        NettyTransport client =
            NettyTransport.builder().stageName("replicaset").tls(clientTls).build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), RecordingHandler.acking());
      ClientLink dialled = client.connect(listening.localAddress(), "scheduler", clientHandler);
      eventually().until(() -> dialled.current().isPresent());
      dialled.current().orElseThrow().send(Fixtures.batch(3, 0, 1));
      eventually().until(() -> clientHandler.acks() == 1);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Provider.class,
      names = {"OPENSSL", "JDK"})
  void clientWithUntrustedCertificateIsRejected(TlsConfig.Provider provider) throws Exception {
    assumeAvailable(provider);
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    RecordingHandler serverHandler = RecordingHandler.acking();
    RecordingHandler rogueHandler = RecordingHandler.recording();
    try (NettyTransport server =
            NettyTransport.builder()
                .stageName("scheduler")
                .meterRegistry(serverMetrics)
                .tls(tls(stageCert(ca, "scheduler", "scheduler"), ca, provider))
                .build();
        // The rogue trusts the real CA (so it would accept the server) but its own cert is from
        // another CA.
        NettyTransport rogue =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(tls(stageCert(rogueCa, "replicaset", "replicaset"), ca, provider))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      ClientLink dialled = rogue.connect(listening.localAddress(), "scheduler", rogueHandler);
      eventually().until(() -> Fixtures.errors(serverMetrics, ErrorCode.UNAUTHORIZED) >= 1);
      eventually().until(() -> Fixtures.errors(rogue.meterRegistry(), ErrorCode.UNAUTHORIZED) >= 1);
      assertThat(serverHandler.opened).isEmpty();
      assertThat(serverHandler.messages).isEmpty();
      assertThat(dialled.current()).isEmpty();
      dialled.close();
      assertGoodClientIsServed(listening, provider);
    }
  }

  @Test
  void helloStageThatDiffersFromTheCertificateIsRejected() throws Exception {
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    RecordingHandler serverHandler = RecordingHandler.acking();
    RecordingHandler impostorHandler = RecordingHandler.recording();
    try (NettyTransport server =
            NettyTransport.builder()
                .stageName("scheduler")
                .meterRegistry(serverMetrics)
                .tls(tls(stageCert(ca, "scheduler", "scheduler"), ca, TlsConfig.Provider.AUTO))
                .build();
        // A valid certificate for "autoscaler", but the Hello claims "replicaset".
        NettyTransport impostor =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(tls(stageCert(ca, "autoscaler", "autoscaler"), ca, TlsConfig.Provider.AUTO))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      ClientLink dialled = impostor.connect(listening.localAddress(), "scheduler", impostorHandler);
      eventually().until(() -> Fixtures.errors(serverMetrics, ErrorCode.UNAUTHORIZED) >= 1);
      eventually()
          .until(
              () ->
                  impostor
                          .meterRegistry()
                          .find(LinkMetrics.ERRORS)
                          .tag("code", "UNAUTHORIZED")
                          .tag("origin", "remote")
                          .counters()
                          .stream()
                          .mapToDouble(c -> c.count())
                          .sum()
                      >= 1);
      assertThat(serverHandler.opened).isEmpty();
      assertThat(impostorHandler.opened).isEmpty();
      dialled.close();
      assertGoodClientIsServed(listening, TlsConfig.Provider.AUTO);
    }
  }

  @Test
  void serverWhoseCertificateIsAnotherStageIsRejectedByTheClient() throws Exception {
    RecordingHandler clientHandler = RecordingHandler.recording();
    // A misconfigured (or spoofing) server: it says "scheduler" in its HelloAck, but its
    // certificate is kubelet's.
    try (NettyTransport server =
            NettyTransport.builder()
                .stageName("scheduler")
                .tls(tls(stageCert(ca, "kubelet", "kubelet"), ca, TlsConfig.Provider.AUTO))
                .build();
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(tls(stageCert(ca, "replicaset", "replicaset"), ca, TlsConfig.Provider.AUTO))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), RecordingHandler.acking());
      ClientLink dialled = client.connect(listening.localAddress(), "scheduler", clientHandler);
      eventually()
          .until(() -> Fixtures.errors(client.meterRegistry(), ErrorCode.UNAUTHORIZED) >= 1);
      assertThat(clientHandler.opened).isEmpty();
      dialled.close();
    }
  }

  @Test
  void plaintextPeerOnATlsPortIsRejected() throws Exception {
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    try (NettyTransport server =
        NettyTransport.builder()
            .stageName("scheduler")
            .meterRegistry(serverMetrics)
            .tls(tls(stageCert(ca, "scheduler", "scheduler"), ca, TlsConfig.Provider.AUTO))
            .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), RecordingHandler.acking());
      try (RawPeer peer = new RawPeer(listening.localAddress())) {
        peer.write(RawPeer.hello("replicaset", "scheduler", 1, 4));
        peer.readUntilClosed();
      } catch (java.io.IOException expected) {
        // the server may answer with a TLS alert that is no frame; closing is what matters
      }
      eventually().until(() -> Fixtures.errors(serverMetrics, ErrorCode.MALFORMED) >= 1);
      assertGoodClientIsServed(listening, TlsConfig.Provider.AUTO);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = TlsConfig.Provider.class,
      names = {"OPENSSL", "JDK"})
  void oneWayTlsWhenClientCertificatesAreOptional(TlsConfig.Provider provider) throws Exception {
    assumeAvailable(provider);
    X509Bundle serverCert = stageCert(ca, "scheduler", "scheduler");
    TlsConfig serverTls =
        TlsConfig.builder()
            .keyAndChain(serverCert.getKeyPair().getPrivate(), serverCert.getCertificatePath())
            .trust(ca.getCertificate())
            .clientAuthRequired(false)
            .provider(provider)
            .build();
    TlsConfig dialOnly = TlsConfig.builder().trust(ca.getCertificate()).provider(provider).build();
    assertThat(dialOnly.hasKey()).isFalse();
    RecordingHandler serverHandler = RecordingHandler.acking();
    RecordingHandler clientHandler = RecordingHandler.recording();
    try (NettyTransport server =
            NettyTransport.builder().stageName("scheduler").tls(serverTls).build();
        NettyTransport client =
            NettyTransport.builder().stageName("replicaset").tls(dialOnly).build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      ClientLink dialled = client.connect(listening.localAddress(), "scheduler", clientHandler);
      eventually().until(() -> dialled.current().isPresent());
      Link link = dialled.current().orElseThrow();
      assertThat(link.peer().verified())
          .as("the server is authenticated by its certificate")
          .isTrue();
      link.send(Fixtures.batch(1, 0, 1));
      eventually().until(() -> clientHandler.acks() == 1);
      assertThat(serverHandler.opened)
          .singleElement()
          .satisfies(
              l -> {
                assertThat(l.peer().stage()).isEqualTo("replicaset");
                assertThat(l.peer().verified())
                    .as("no client certificate: the claim is unverified")
                    .isFalse();
              });
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> client.listen(PeerAddress.loopback(0), serverHandler))
          .isInstanceOf(io.kubedirect.transport.TransportException.class);
    }
  }

  @Test
  void clientWithoutCertificateIsRejectedUnderMutualTls() throws Exception {
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    RecordingHandler serverHandler = RecordingHandler.acking();
    try (NettyTransport server =
            NettyTransport.builder()
                .stageName("scheduler")
                .meterRegistry(serverMetrics)
                .tls(tls(stageCert(ca, "scheduler", "scheduler"), ca, TlsConfig.Provider.AUTO))
                .build();
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .tls(TlsConfig.builder().trust(ca.getCertificate()).build())
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      ClientLink dialled =
          client.connect(listening.localAddress(), "scheduler", RecordingHandler.recording());
      eventually().until(() -> Fixtures.errors(serverMetrics, ErrorCode.UNAUTHORIZED) >= 1);
      assertThat(serverHandler.opened).isEmpty();
      dialled.close();
      assertGoodClientIsServed(listening, TlsConfig.Provider.AUTO);
    }
  }

  private static void assertGoodClientIsServed(LinkServer listening, TlsConfig.Provider provider)
      throws Exception {
    RecordingHandler good = RecordingHandler.recording();
    try (NettyTransport client =
        NettyTransport.builder()
            .stageName("replicaset")
            .tls(tls(stageCert(ca, "replicaset", "replicaset"), ca, provider))
            .build()) {
      ClientLink dialled = client.connect(listening.localAddress(), "scheduler", good);
      eventually().until(() -> dialled.current().isPresent());
      dialled.current().orElseThrow().send(Fixtures.batch(9, 0, 2));
      eventually().until(() -> good.acks() == 1);
    }
  }
}
