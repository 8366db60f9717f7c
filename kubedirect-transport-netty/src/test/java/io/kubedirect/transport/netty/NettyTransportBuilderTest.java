package io.kubedirect.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TransportException;
import org.junit.jupiter.api.Test;

class NettyTransportBuilderTest {

  @Test
  void securityModeMustBeChosen() {
    assertThatThrownBy(() -> NettyTransport.builder().stageName("a").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("plaintext");
    assertThatThrownBy(() -> NettyTransport.builder().plaintextOnLoopback().build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stageName");
  }

  @Test
  void invalidSizesAreRejected() {
    assertThatThrownBy(
            () ->
                NettyTransport.builder()
                    .stageName("a")
                    .plaintextOnLoopback()
                    .maxFrameBytes(10)
                    .build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                NettyTransport.builder()
                    .stageName("a")
                    .plaintextOnLoopback()
                    .initialCredits(0)
                    .build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () ->
                NettyTransport.builder()
                    .stageName("a")
                    .plaintextOnLoopback()
                    .writeBufferWaterMarks(10, 5)
                    .build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> TlsConfig.builder().build()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void plaintextRefusesNonLoopbackUnlessAllowed() {
    try (NettyTransport t =
        NettyTransport.builder()
            .stageName("a")
            .plaintextOnLoopback()
            .ioBackend(IoBackend.NIO)
            .build()) {
      assertThatThrownBy(() -> t.listen(new PeerAddress("0.0.0.0", 0), RecordingHandler.acking()))
          .isInstanceOf(TransportException.class)
          .hasMessageContaining("loopback");
      assertThatThrownBy(
              () -> t.connect(new PeerAddress("10.1.2.3", 7000), "b", RecordingHandler.acking()))
          .isInstanceOf(TransportException.class);
    }
    try (NettyTransport t =
        NettyTransport.builder()
            .stageName("a")
            .allowPlaintextOnNonLoopback()
            .ioBackend(IoBackend.NIO)
            .build()) {
      var server = t.listen(new PeerAddress("0.0.0.0", 0), RecordingHandler.acking());
      assertThat(server.localAddress().port()).isPositive();
    }
  }

  @Test
  void bindFailureIsATransportException() {
    try (NettyTransport t = NettyTransport.builder().stageName("a").plaintextOnLoopback().build()) {
      var first = t.listen(PeerAddress.loopback(0), RecordingHandler.acking());
      assertThatThrownBy(() -> t.listen(first.localAddress(), RecordingHandler.acking()))
          .isInstanceOf(TransportException.class);
    }
  }

  @Test
  void backendCanBeForcedAndParsed() {
    assertThat(IoBackend.parse("io_uring")).isEqualTo(IoBackend.IO_URING);
    assertThat(IoBackend.parse("NIO")).isEqualTo(IoBackend.NIO);
    assertThatThrownBy(() -> IoBackend.parse("kqueue"))
        .isInstanceOf(IllegalArgumentException.class);
    try (NettyTransport t =
        NettyTransport.builder()
            .stageName("a")
            .plaintextOnLoopback()
            .ioBackend(IoBackend.NIO)
            .build()) {
      assertThat(t.ioBackend()).isEqualTo(IoBackend.NIO);
    }
    String previous = System.getProperty(IoBackend.PROPERTY);
    System.setProperty(IoBackend.PROPERTY, "nio");
    try (NettyTransport t = NettyTransport.builder().stageName("a").plaintextOnLoopback().build()) {
      assertThat(t.ioBackend()).isEqualTo(IoBackend.NIO);
    } finally {
      if (previous == null) {
        System.clearProperty(IoBackend.PROPERTY);
      } else {
        System.setProperty(IoBackend.PROPERTY, previous);
      }
    }
  }

  @Test
  void stageMatchingRules() {
    assertThat(
            io.kubedirect.transport.LinkRules.serves("sandbox-manager", "sandbox-manager/node-1"))
        .isTrue();
    assertThat(
            io.kubedirect.transport.LinkRules.serves("sandbox-manager/node-1", "sandbox-manager"))
        .isTrue();
    assertThat(io.kubedirect.transport.LinkRules.serves("scheduler", "")).isTrue();
    assertThat(io.kubedirect.transport.LinkRules.serves("scheduler", "sched")).isFalse();
    assertThat(
            io.kubedirect.transport.LinkRules.serves("sandbox-manager-x", "sandbox-manager/node-1"))
        .isFalse();
  }
}
