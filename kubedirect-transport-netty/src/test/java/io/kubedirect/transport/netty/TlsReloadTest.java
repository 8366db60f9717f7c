package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TransportException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS material from a Secret-style directory, reloaded when the files change. */
class TlsReloadTest {

  private static final Duration RELOAD = Duration.ofMillis(50);

  private static X509Bundle ca;

  @TempDir Path tmp;

  @BeforeAll
  static void pki() throws Exception {
    ca =
        new CertificateBuilder()
            .subject("CN=kubedirect-test-ca")
            .setIsCertificateAuthority(true)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .buildSelfSigned();
  }

  private SecretDir secret(String name, X509Bundle own) throws Exception {
    SecretDir s = new SecretDir(Files.createDirectories(tmp.resolve(name)));
    s.write(own, ca);
    return s;
  }

  private static TlsConfig files(SecretDir s) {
    return TlsConfig.builder().files(s.dir).reloadInterval(RELOAD).build();
  }

  @Test
  void rotationDuringTrafficLosesNoMessageAndNewConnectionsUseTheNewCertificate() throws Exception {
    SecretDir serverSecret = secret("server", TlsTest.stageCert(ca, "scheduler-v1", "scheduler"));
    SecretDir clientSecret = secret("client", TlsTest.stageCert(ca, "replicaset-v1", "replicaset"));
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    SimpleMeterRegistry clientMetrics = new SimpleMeterRegistry();
    RecordingHandler serverHandler = RecordingHandler.acking();
    RecordingHandler clientHandler = RecordingHandler.recording();
    try (NettyTransport server =
            NettyTransport.builder()
                .stageName("scheduler")
                .meterRegistry(serverMetrics)
                .tls(files(serverSecret))
                .build();
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .meterRegistry(clientMetrics)
                .tls(files(clientSecret))
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), serverHandler);
      ClientLink dialled = client.connect(listening.localAddress(), "scheduler", clientHandler);
      eventually().until(() -> dialled.current().isPresent());
      Link link = dialled.current().orElseThrow();
      assertThat(link.peer().subject()).isEqualTo("CN=scheduler-v1");

      // Traffic: a sender that keeps the link busy, respecting back-pressure.
      AtomicLong sent = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      Thread sender =
          new Thread(
              () -> {
                while (!stop.get()) {
                  if (!link.isWritable()) {
                    Thread.onSpinWait();
                    continue;
                  }
                  try {
                    link.send(Fixtures.batch(sent.get() + 1, (int) sent.get(), 5));
                    sent.incrementAndGet();
                  } catch (LinkException e) {
                    Thread.onSpinWait(); // OVERLOADED: wait for the queue to drain
                  }
                }
              },
              "sender");
      sender.start();
      try {
        eventually().until(() -> clientHandler.acks() >= 50);
        // Rotate both sides' material (new certificates, same CA and stages) while messages flow.
        serverSecret.write(TlsTest.stageCert(ca, "scheduler-v2", "scheduler"), ca);
        clientSecret.write(TlsTest.stageCert(ca, "replicaset-v2", "replicaset"), ca);
        eventually()
            .until(
                () ->
                    Fixtures.reloads(serverMetrics, "success") == 1
                        && Fixtures.reloads(clientMetrics, "success") == 1);
        long atRotation = clientHandler.acks();
        eventually().until(() -> clientHandler.acks() >= atRotation + 50);
      } finally {
        stop.set(true);
        sender.join();
      }
      eventually().until(() -> clientHandler.acks() == sent.get());
      assertThat(serverHandler.messages).hasSize((int) sent.get());
      assertThat(link.isOpen()).as("the existing link was not disturbed by the reload").isTrue();
      assertThat(serverHandler.opened).hasSize(1);
      assertThat(Fixtures.reloads(serverMetrics, "failure")).isZero();

      // A new connection (here: after the old one is closed; the runtime's handshake repairs state)
      // uses the
      // new material on both sides.
      link.close();
      eventually().until(() -> dialled.current().isPresent() && dialled.current().get() != link);
      Link next = dialled.current().orElseThrow();
      assertThat(next.peer().subject()).isEqualTo("CN=scheduler-v2");
      eventually().until(() -> serverHandler.opened.size() == 2);
      assertThat(serverHandler.opened.get(1).peer().subject()).isEqualTo("CN=replicaset-v2");
      next.send(Fixtures.batch(1_000_000, 0, 1));
      eventually().until(() -> clientHandler.acks() == sent.get() + 1);
    }
  }

  @Test
  void unusableUpdatesKeepTheOldMaterialAndAreCountedOnce() throws Exception {
    X509Bundle v1 = TlsTest.stageCert(ca, "scheduler-v1", "scheduler");
    SecretDir serverSecret = secret("server", v1);
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    try (NettyTransport server =
        NettyTransport.builder()
            .stageName("scheduler")
            .meterRegistry(serverMetrics)
            .tls(files(serverSecret))
            .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), RecordingHandler.acking());

      // 1. A certificate with another certificate's key.
      X509Bundle v2 = TlsTest.stageCert(ca, "scheduler-v2", "scheduler");
      X509Bundle other = TlsTest.stageCert(ca, "scheduler-v3", "scheduler");
      serverSecret.write(v2.getCertificatePathPEM(), other.getPrivateKeyPEM(), ca);
      eventually().until(() -> Fixtures.reloads(serverMetrics, "failure") == 1);
      assertThat(dialSubject(listening)).isEqualTo("CN=scheduler-v1");

      // 2. A valid certificate, but for another stage: a rotation must not change who this is.
      serverSecret.write(TlsTest.stageCert(ca, "kubelet", "kubelet"), ca);
      eventually().until(() -> Fixtures.reloads(serverMetrics, "failure") == 2);
      assertThat(dialSubject(listening)).isEqualTo("CN=scheduler-v1");

      // 3. Garbage in the key file.
      serverSecret.writeRaw(v2.getCertificatePathPEM(), "not a key", ca.getCertificatePEM());
      eventually().until(() -> Fixtures.reloads(serverMetrics, "failure") == 3);
      assertThat(dialSubject(listening)).isEqualTo("CN=scheduler-v1");
      assertThat(Fixtures.reloads(serverMetrics, "failure"))
          .as("each bad content counted once")
          .isEqualTo(3);

      // 4. A good update is taken.
      serverSecret.write(v2, ca);
      eventually().until(() -> Fixtures.reloads(serverMetrics, "success") == 1);
      assertThat(dialSubject(listening)).isEqualTo("CN=scheduler-v2");
      assertThat(server.meterRegistry().find(LinkMetrics.TLS_EXPIRY).gauge().value())
          .isEqualTo((double) v2.getCertificate().getNotAfter().toInstant().getEpochSecond());
    }
  }

  @Test
  void unusableFilesFailTheBuildWithAClearError() throws Exception {
    X509Bundle v1 = TlsTest.stageCert(ca, "scheduler", "scheduler");
    X509Bundle other = TlsTest.stageCert(ca, "scheduler", "scheduler");
    SecretDir mismatched = new SecretDir(Files.createDirectories(tmp.resolve("mismatched")));
    mismatched.write(v1.getCertificatePathPEM(), other.getPrivateKeyPEM(), ca);
    assertThatThrownBy(() -> TlsConfig.fromFiles(mismatched.dir))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("private key does not belong to the certificate 'CN=scheduler'");
    assertThatThrownBy(() -> TlsConfig.fromFiles(tmp.resolve("missing")))
        .isInstanceOf(TransportException.class)
        .hasMessageContaining("tls.crt");
    assertThatThrownBy(
            () -> TlsConfig.builder().files(tmp).reloadInterval(Duration.ofSeconds(-1)).build())
        .isInstanceOf(IllegalStateException.class);
  }

  /** Dials with a fresh client and returns the subject of the server certificate it saw. */
  private String dialSubject(LinkServer listening) throws Exception {
    try (NettyTransport client =
        NettyTransport.builder()
            .stageName("replicaset")
            .tls(
                TlsTest.tls(
                    TlsTest.stageCert(ca, "replicaset", "replicaset"), ca, TlsConfig.Provider.AUTO))
            .build()) {
      ClientLink dialled =
          client.connect(listening.localAddress(), "scheduler", RecordingHandler.recording());
      eventually().until(() -> dialled.current().isPresent());
      return dialled.current().orElseThrow().peer().subject();
    }
  }
}
