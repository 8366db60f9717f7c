package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Bad peers get a typed Error, a closed connection and a counter; the server keeps serving good
 * peers.
 */
class ProtocolViolationTest {

  private final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  private final RecordingHandler serverHandler = RecordingHandler.acking();
  private NettyTransport server;
  private LinkServer listening;

  @BeforeEach
  void start() {
    server =
        NettyTransport.builder()
            .stageName("scheduler")
            .plaintextOnLoopback()
            .meterRegistry(metrics)
            .initialCredits(4)
            .build();
    listening = server.listen(PeerAddress.loopback(0), serverHandler);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  /** What a bad peer does after connecting. */
  @FunctionalInterface
  interface Misbehaviour {
    void run(RawPeer peer) throws IOException;
  }

  static Stream<Arguments> violations() {
    byte[] garbage = new byte[64];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) 0xFF; // varint that never ends
    }
    byte[] unknownField = {(byte) 0xF8, 0x06, 0x01}; // field 111, varint 1: no known body
    return Stream.of(
        Arguments.of(
            "malformed protobuf after Hello",
            true,
            ErrorCode.MALFORMED,
            (Misbehaviour) p -> p.writeFrame(garbage)),
        Arguments.of(
            "unknown field number only",
            true,
            ErrorCode.MALFORMED,
            (Misbehaviour) p -> p.writeFrame(unknownField)),
        Arguments.of(
            "empty envelope",
            true,
            ErrorCode.MALFORMED,
            (Misbehaviour) p -> p.writeFrame(new byte[0])),
        Arguments.of(
            "oversized frame after Hello",
            true,
            ErrorCode.TOO_LARGE,
            (Misbehaviour) p -> p.writeRaw(ByteBuffer.allocate(4).putInt(5 << 20).array())),
        Arguments.of(
            "frame length with the top bit set",
            true,
            ErrorCode.TOO_LARGE,
            (Misbehaviour) p -> p.writeRaw(new byte[] {(byte) 0x80, 0, 0, 1})),
        Arguments.of(
            "second Hello",
            true,
            ErrorCode.MALFORMED,
            (Misbehaviour) p -> p.write(RawPeer.hello("replicaset", "scheduler", 1, 4))),
        Arguments.of(
            "message before Hello",
            false,
            ErrorCode.MALFORMED,
            (Misbehaviour) p -> p.write(Fixtures.batch(1, 0, 1))),
        Arguments.of(
            "credit before Hello",
            false,
            ErrorCode.MALFORMED,
            (Misbehaviour)
                p ->
                    p.write(
                        Envelope.newBuilder()
                            .setCredit(io.kubedirect.protocol.v1.Credit.newBuilder().setMessages(5))
                            .build())),
        Arguments.of(
            "oversized frame before Hello (pre-Hello cap)",
            false,
            ErrorCode.TOO_LARGE,
            (Misbehaviour) p -> p.writeRaw(ByteBuffer.allocate(4).putInt(100 * 1024).array())),
        Arguments.of(
            "unknown protocol major",
            false,
            ErrorCode.UNSUPPORTED_VERSION,
            (Misbehaviour) p -> p.write(RawPeer.hello("replicaset", "scheduler", 2, 4))),
        Arguments.of(
            "Hello for another stage",
            false,
            ErrorCode.NOT_FOUND,
            (Misbehaviour) p -> p.write(RawPeer.hello("replicaset", "kubelet", 1, 4))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("violations")
  void badPeerGetsTypedErrorAndServerKeepsServing(
      String name, boolean helloFirst, ErrorCode expected, Misbehaviour misbehaviour)
      throws Exception {
    try (RawPeer peer = new RawPeer(listening.localAddress())) {
      if (helloFirst) {
        assertThat(peer.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
        eventually().until(() -> serverHandler.opened.size() == 1);
      }
      misbehaviour.run(peer);
      List<Envelope> answer = peer.readUntilClosed();
      assertThat(answer).as("server answer to: " + name).isNotEmpty();
      Envelope last = answer.get(answer.size() - 1);
      assertThat(last.hasError()).as("last frame is an Error: " + answer).isTrue();
      assertThat(last.getError().getCode()).isEqualTo(expected);
      assertThat(last.getError().getSeq()).isZero();
    }
    eventually().until(() -> Fixtures.errors(metrics, expected) == 1.0);
    if (helloFirst) {
      eventually().until(() -> serverHandler.closed.size() == 1);
      assertThat(serverHandler.lastCause())
          .hasValueSatisfying(c -> assertThat(c.code()).isEqualTo(expected));
    } else {
      assertThat(serverHandler.opened)
          .as("no link is reported before the version exchange")
          .isEmpty();
    }
    assertGoodClientIsServed();
  }

  @Test
  void truncatedFrameClosesWithMalformed() throws Exception {
    try (RawPeer peer = new RawPeer(listening.localAddress())) {
      assertThat(peer.handshake("replicaset", "scheduler", 4).hasHelloAck()).isTrue();
      byte[] batch = Fixtures.batch(1, 0, 5).toByteArray();
      peer.writeRaw(ByteBuffer.allocate(4 + 10).putInt(batch.length).put(batch, 0, 10).array());
      peer.shutdownOutput(); // the stream ends inside the frame
      peer.readUntilClosed();
    }
    eventually().until(() -> serverHandler.closed.size() == 1);
    assertThat(serverHandler.lastCause())
        .hasValueSatisfying(c -> assertThat(c.code()).isEqualTo(ErrorCode.MALFORMED));
    assertThat(Fixtures.errors(metrics, ErrorCode.MALFORMED)).isEqualTo(1.0);
    assertThat(serverHandler.messages).isEmpty();
    assertGoodClientIsServed();
  }

  @Test
  void transportLevelBodiesCannotBeSentThroughTheLink() {
    RecordingHandler client = RecordingHandler.recording();
    try (NettyTransport t =
        NettyTransport.builder().stageName("replicaset").plaintextOnLoopback().build()) {
      ClientLink dialled = t.connect(listening.localAddress(), "scheduler", client);
      eventually().until(() -> dialled.current().isPresent());
      Link link = dialled.current().orElseThrow();
      Envelope hello = RawPeer.hello("x", "y", 1, 1);
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> link.send(hello))
          .isInstanceOf(io.kubedirect.transport.LinkException.class)
          .satisfies(
              e ->
                  assertThat(((io.kubedirect.transport.LinkException) e).code())
                      .isEqualTo(ErrorCode.MALFORMED));
      org.assertj.core.api.Assertions.assertThatThrownBy(
              () -> link.send(Envelope.getDefaultInstance()))
          .isInstanceOf(io.kubedirect.transport.LinkException.class);
      assertThat(link.isOpen()).as("a rejected send does not close the link").isTrue();
    }
  }

  private void assertGoodClientIsServed() {
    RecordingHandler client = RecordingHandler.recording();
    try (NettyTransport good =
        NettyTransport.builder().stageName("replicaset").plaintextOnLoopback().build()) {
      ClientLink dialled = good.connect(listening.localAddress(), "scheduler", client);
      eventually().until(() -> dialled.current().isPresent());
      dialled.current().orElseThrow().send(Fixtures.batch(7, 0, 3));
      eventually().until(() -> client.acks() == 1);
      assertThat(client.messages.get(0).getAck().getSeq()).isEqualTo(7);
    }
  }
}
