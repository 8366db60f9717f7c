package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Version negotiation: each end announces its minor in Hello/HelloAck, and a link speaks the lower
 * one.
 */
class ProtocolMinorTest {

  @ParameterizedTest(name = "dialler at minor {0}, acceptor at minor {1}")
  @CsvSource({"2, 2", "2, 1", "1, 2", "0, 2", "2, 0"})
  void bothEndsOfALinkSpeakTheLowerMinor(int dialler, int acceptor) {
    RecordingHandler server = RecordingHandler.acking();
    RecordingHandler client = RecordingHandler.recording();
    try (NettyTransport serverTransport =
            NettyTransport.builder()
                .stageName("scheduler")
                .plaintextOnLoopback()
                .protocolMinor(acceptor)
                .build();
        NettyTransport clientTransport =
            NettyTransport.builder()
                .stageName("replicaset")
                .plaintextOnLoopback()
                .protocolMinor(dialler)
                .build()) {
      LinkServer listening = serverTransport.listen(PeerAddress.loopback(0), server);
      ClientLink dialled = clientTransport.connect(listening.localAddress(), "scheduler", client);
      eventually().until(() -> dialled.current().isPresent() && !server.opened.isEmpty());
      Link link = dialled.current().orElseThrow();
      int expected = Math.min(dialler, acceptor);
      assertThat(link.protocolMinor()).isEqualTo(expected);
      assertThat(server.opened.get(0).protocolMinor()).isEqualTo(expected);
      // messages flow whatever the minor
      link.send(Fixtures.batch(1, 10, 3));
      eventually().until(() -> client.acks() == 1);
      dialled.close();
    }
  }

  @Test
  void theDefaultIsThisReleasesMinorAndOnlyKnownMinorsCanBeAnnounced() {
    assertThat(Transport.PROTOCOL_MINOR).isEqualTo(3);
    assertThatThrownBy(
            () ->
                NettyTransport.builder()
                    .stageName("x")
                    .plaintextOnLoopback()
                    .protocolMinor(Transport.PROTOCOL_MINOR + 1)
                    .build())
        .hasMessageContaining("protocolMinor");
    assertThatThrownBy(
            () ->
                NettyTransport.builder()
                    .stageName("x")
                    .plaintextOnLoopback()
                    .protocolMinor(-1)
                    .build())
        .hasMessageContaining("protocolMinor");
  }
}
