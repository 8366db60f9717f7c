package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeartbeatTest {

  @Test
  void idleLinkStaysOpenAndMeasuresRoundTrips() {
    SimpleMeterRegistry clientMetrics = new SimpleMeterRegistry();
    try (NettyTransport server =
            NettyTransport.builder()
                .stageName("scheduler")
                .plaintextOnLoopback()
                .heartbeatInterval(Duration.ofMillis(30))
                .build();
        NettyTransport client =
            NettyTransport.builder()
                .stageName("replicaset")
                .plaintextOnLoopback()
                .heartbeatInterval(Duration.ofMillis(30))
                .meterRegistry(clientMetrics)
                .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), RecordingHandler.acking());
      ClientLink dialled =
          client.connect(listening.localAddress(), "scheduler", RecordingHandler.recording());
      eventually().until(() -> dialled.current().isPresent());
      // 10x the reader timeout of 90 ms passes without a link-level message: heartbeats keep it
      // alive.
      eventually()
          .during(Duration.ofMillis(900))
          .atMost(Duration.ofSeconds(3))
          .until(() -> dialled.current().isPresent());
      Timer rtt = clientMetrics.find(LinkMetrics.RTT).tag("peer", "scheduler").timer();
      assertThat(rtt).isNotNull();
      assertThat(rtt.count()).isGreaterThanOrEqualTo(5);
    }
  }

  @Test
  void silentPeerIsDisconnectedWithATypedCause() throws Exception {
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    RecordingHandler handler = RecordingHandler.acking();
    try (NettyTransport server =
        NettyTransport.builder()
            .stageName("scheduler")
            .plaintextOnLoopback()
            .heartbeatInterval(Duration.ofMillis(50))
            .meterRegistry(metrics)
            .build()) {
      LinkServer listening = server.listen(PeerAddress.loopback(0), handler);
      try (RawPeer peer = new RawPeer(listening.localAddress())) {
        peer.handshake("replicaset", "scheduler", 4);
        // The raw peer reads (it receives heartbeats) but never sends anything.
        List<Envelope> received = new ArrayList<>(peer.readUntilClosed());
        assertThat(received).anyMatch(Envelope::hasHeartbeat);
        assertThat(received.get(received.size() - 1).getError().getCode())
            .isEqualTo(ErrorCode.INTERNAL);
      }
      eventually().until(() -> handler.closed.size() == 1);
      assertThat(handler.lastCause())
          .hasValueSatisfying(
              c -> {
                assertThat(c.code()).isEqualTo(ErrorCode.INTERNAL);
                assertThat(c.getMessage()).contains("heartbeat timeout");
              });
      assertThat(Fixtures.errors(metrics, ErrorCode.INTERNAL)).isEqualTo(1.0);
    }
  }
}
