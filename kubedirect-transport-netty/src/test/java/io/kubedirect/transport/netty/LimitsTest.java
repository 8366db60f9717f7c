package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.protocol.v1.Credit;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Connection and queue limits: each refuses with a clear reason, counts a metric, and the server
 * keeps serving.
 */
class LimitsTest {

  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final RecordingHandler serverHandler = RecordingHandler.acking();
  private NettyTransport server;
  private LinkServer listening;

  private void start(UnaryOperator<NettyTransport.Builder> limits) {
    server =
        limits
            .apply(
                NettyTransport.builder()
                    .stageName("scheduler")
                    .plaintextOnLoopback()
                    .meterRegistry(metrics)
                    .heartbeatInterval(Duration.ofSeconds(30)))
            .build();
    listening = server.listen(PeerAddress.loopback(0), serverHandler);
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  /** Reads until the server closes; returns the Error frame it closed with. */
  private static io.kubedirect.protocol.v1.Error closingError(RawPeer peer) throws Exception {
    List<Envelope> frames = peer.readUntilClosed();
    assertThat(frames).isNotEmpty();
    Envelope last = frames.get(frames.size() - 1);
    assertThat(last.hasError()).as("closed with an Error frame: " + frames).isTrue();
    return last.getError();
  }

  @Test
  void maxConnections() throws Exception {
    start(b -> b.maxConnections(2));
    try (RawPeer a = new RawPeer(listening.localAddress());
        RawPeer b = new RawPeer(listening.localAddress())) {
      assertThat(a.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
      assertThat(b.handshake("autoscaler", "scheduler", 4).hasHelloAck()).isTrue();
      try (RawPeer third = new RawPeer(listening.localAddress())) {
        io.kubedirect.protocol.v1.Error error = closingError(third);
        assertThat(error.getCode()).isEqualTo(ErrorCode.OVERLOADED);
        assertThat(error.getMessage()).contains("limit of 2 connections (maxConnections)");
      }
      assertThat(Fixtures.rejected(metrics, "max-connections")).isEqualTo(1.0);
      assertThat(server.admission().accepted()).as("the admitted connections stay").isEqualTo(2);
      assertThat(serverHandler.closed).isEmpty();
    }
  }

  @Test
  void maxConnectionsFreesASlotWhenAConnectionCloses() throws Exception {
    start(b -> b.maxConnections(1));
    try (RawPeer a = new RawPeer(listening.localAddress())) {
      assertThat(a.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
      try (RawPeer refused = new RawPeer(listening.localAddress())) {
        assertThat(closingError(refused).getMessage()).contains("maxConnections");
      }
    }
    eventually().until(() -> server.admission().accepted() == 0);
    try (RawPeer again = new RawPeer(listening.localAddress())) {
      assertThat(again.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
    }
    assertThat(metrics.find(LinkMetrics.CONNECTIONS).tag("state", "accepted").gauge()).isNotNull();
  }

  @Test
  void maxUnauthenticatedConnections() throws Exception {
    start(b -> b.maxUnauthenticatedConnections(2));
    try (RawPeer silent1 = new RawPeer(listening.localAddress());
        RawPeer silent2 = new RawPeer(listening.localAddress())) {
      eventually().until(() -> server.admission().unauthenticated() == 2);
      try (RawPeer third = new RawPeer(listening.localAddress())) {
        io.kubedirect.protocol.v1.Error error = closingError(third);
        assertThat(error.getCode()).isEqualTo(ErrorCode.OVERLOADED);
        assertThat(error.getMessage()).contains("maxUnauthenticatedConnections");
      }
      assertThat(Fixtures.rejected(metrics, "unauthenticated")).isEqualTo(1.0);
      // Once one of them completes its Hello, it no longer counts: a new connection is admitted.
      assertThat(silent1.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
      eventually().until(() -> server.admission().unauthenticated() == 1);
      try (RawPeer next = new RawPeer(listening.localAddress())) {
        assertThat(next.handshake("autoscaler", "scheduler", 4).hasHelloAck()).isTrue();
      }
    }
  }

  @Test
  void maxConnectionsPerPeer() throws Exception {
    start(b -> b.maxConnectionsPerPeer(1));
    try (RawPeer first = new RawPeer(listening.localAddress())) {
      assertThat(first.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
      try (RawPeer second = new RawPeer(listening.localAddress())) {
        second.write(RawPeer.hello("replicaset", "scheduler", 1, 4));
        io.kubedirect.protocol.v1.Error error = closingError(second);
        assertThat(error.getCode()).isEqualTo(ErrorCode.OVERLOADED);
        assertThat(error.getMessage())
            .contains("stage 'replicaset' already has 1 open link(s)")
            .contains("maxConnectionsPerPeer");
      }
      assertThat(Fixtures.rejected(metrics, "per-peer")).isEqualTo(1.0);
      try (RawPeer otherStage = new RawPeer(listening.localAddress())) {
        assertThat(otherStage.handshake("autoscaler", "scheduler", 4).hasHelloAck())
            .as("the cap is per identity")
            .isTrue();
      }
    }
    eventually().until(() -> server.admission().accepted() == 0);
    try (RawPeer again = new RawPeer(listening.localAddress())) {
      assertThat(again.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
    }
  }

  @Test
  void silentClientIsClosedAfterTheHandshakeTimeout() throws Exception {
    Duration timeout = Duration.ofMillis(300);
    start(b -> b.handshakeTimeout(timeout));
    long started = System.nanoTime();
    try (RawPeer silent = new RawPeer(listening.localAddress())) {
      io.kubedirect.protocol.v1.Error error = closingError(silent);
      long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
      assertThat(error.getCode()).isEqualTo(ErrorCode.INTERNAL);
      assertThat(error.getMessage()).contains("handshake timeout").contains("waiting for a Hello");
      assertThat(elapsedMillis)
          .isGreaterThanOrEqualTo(timeout.toMillis())
          .isLessThan(timeout.toMillis() + 9_000);
    }
    assertThat(Fixtures.rejected(metrics, "handshake-timeout")).isEqualTo(1.0);
    eventually().until(() -> server.admission().accepted() == 0);
    try (RawPeer good = new RawPeer(listening.localAddress())) {
      assertThat(good.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
    }
  }

  @Test
  void silentClientOnATlsPortIsClosedAfterTheHandshakeTimeout() throws Exception {
    X509Bundle ca =
        new CertificateBuilder()
            .subject("CN=ca")
            .setIsCertificateAuthority(true)
            .notBefore(Instant.now().minus(Duration.ofHours(1)))
            .buildSelfSigned();
    Duration timeout = Duration.ofMillis(300);
    server =
        NettyTransport.builder()
            .stageName("scheduler")
            .meterRegistry(metrics)
            .handshakeTimeout(timeout)
            .tls(
                TlsTest.tls(
                    TlsTest.stageCert(ca, "scheduler", "scheduler"), ca, TlsConfig.Provider.AUTO))
            .build();
    listening = server.listen(PeerAddress.loopback(0), serverHandler);
    long started = System.nanoTime();
    try (Socket silent = new Socket()) {
      silent.connect(
          new InetSocketAddress(listening.localAddress().host(), listening.localAddress().port()),
          5_000);
      silent.setSoTimeout(10_000);
      InputStream in = silent.getInputStream();
      while (in.read() >= 0) {
        // a TLS alert may come first; wait for the end of the stream
      }
    }
    long elapsedMillis = (System.nanoTime() - started) / 1_000_000;
    assertThat(elapsedMillis)
        .isGreaterThanOrEqualTo(timeout.toMillis())
        .isLessThan(timeout.toMillis() + 9_000);
    assertThat(Fixtures.rejected(metrics, "handshake-timeout")).isEqualTo(1.0);
    RecordingHandler good = RecordingHandler.recording();
    try (NettyTransport client =
        NettyTransport.builder()
            .stageName("replicaset")
            .tls(
                TlsTest.tls(
                    TlsTest.stageCert(ca, "replicaset", "replicaset"), ca, TlsConfig.Provider.AUTO))
            .build()) {
      var dialled = client.connect(listening.localAddress(), "scheduler", good);
      eventually().until(() -> dialled.current().isPresent());
      dialled.current().orElseThrow().send(Fixtures.batch(1, 0, 1));
      eventually().until(() -> good.acks() == 1);
    }
  }

  @Test
  void maxQueuedBytesPerLinkFailsFastAndRecoversWhenDrained() throws Exception {
    int maxBytes = 64 * 1024;
    start(b -> b.maxQueuedBytesPerLink(maxBytes));
    try (RawPeer peer = new RawPeer(listening.localAddress())) {
      peer.handshake(
          "replicaset", "scheduler", 0); // no credit: everything the server sends is queued
      eventually().until(() -> serverHandler.opened.size() == 1);
      Link link = serverHandler.opened.get(0);
      Envelope message = Fixtures.batch(1, 0, 100); // about 8 KiB
      int size = message.getSerializedSize();
      assertThat(size).isBetween(4 * 1024, maxBytes / 4);
      int queued = 0;
      LinkException overloaded = null;
      while (overloaded == null && queued < 1_000) {
        try {
          link.send(Fixtures.batch(queued + 1, 0, 100));
          queued++;
        } catch (LinkException e) {
          overloaded = e;
        }
      }
      assertThat(overloaded).isNotNull();
      assertThat(overloaded.code()).isEqualTo(ErrorCode.OVERLOADED);
      assertThat(overloaded.getMessage()).contains("maxQueuedBytesPerLink (" + maxBytes + ")");
      assertThat((long) queued * size).isLessThanOrEqualTo(maxBytes);
      assertThat(queued).isEqualTo(maxBytes / size);
      assertThat(Fixtures.rejected(metrics, "queued-bytes")).isEqualTo(1.0);
      assertThat(link.isOpen()).isTrue();
      assertThat(link.isWritable()).isFalse();

      // The peer grants credit: the queue drains, onWritable fires, and the link takes messages
      // again.
      peer.write(Envelope.newBuilder().setCredit(Credit.newBuilder().setMessages(10_000)).build());
      for (int i = 1; i <= queued; i++) {
        Envelope e = peer.read();
        while (e.hasHeartbeat() || e.hasCredit()) {
          e = peer.read();
        }
        assertThat(e.getSeq()).isEqualTo(i);
      }
      eventually().until(() -> serverHandler.writable.get() >= 1 && link.isWritable());
      link.send(Fixtures.batch(queued + 1, 0, 100));
      Envelope e = peer.read();
      while (e.hasHeartbeat() || e.hasCredit()) {
        e = peer.read();
      }
      assertThat(e.getSeq()).isEqualTo(queued + 1);
    }
  }

  @Test
  void limitsAreValidated() {
    for (UnaryOperator<NettyTransport.Builder> bad :
        List.<UnaryOperator<NettyTransport.Builder>>of(
            b -> b.maxConnections(0),
            b -> b.maxConnectionsPerPeer(0),
            b -> b.maxUnauthenticatedConnections(0),
            b -> b.handshakeTimeout(Duration.ZERO),
            b -> b.maxQueuedBytesPerLink(0))) {
      assertThatThrownBy(
              () ->
                  bad.apply(NettyTransport.builder().stageName("s").plaintextOnLoopback()).build())
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
