package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.protocol.v1.Credit;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Credits, the bounded outbound queue, and peers that flood or stop reading. */
class FlowControlTest {

  private static final int QUEUE_BOUND = 16;

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
            .outboundQueueBound(QUEUE_BOUND)
            .writeBufferWaterMarks(16 * 1024, 64 * 1024)
            .heartbeatInterval(Duration.ofSeconds(30)) // raw peers send no heartbeats
            .build();
    listening = server.listen(PeerAddress.loopback(0), serverHandler);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void peerThatSendsWithoutCreditIsCutOff() throws Exception {
    try (RawPeer peer = new RawPeer(listening.localAddress())) {
      Envelope ack = peer.handshake("replicaset", "scheduler", 1000);
      assertThat(ack.getHelloAck().getInitialCredits()).isEqualTo(4);
      List<Envelope> flood = new ArrayList<>();
      for (int i = 1; i <= 50; i++) {
        flood.add(Fixtures.batch(i, i, 1));
      }
      peer.writeAll(flood); // one write: 50 messages against a window of 4
      List<Envelope> answer = peer.readUntilClosed();
      Envelope last = answer.get(answer.size() - 1);
      assertThat(last.getError().getCode()).isEqualTo(ErrorCode.OVERLOADED);
    }
    eventually().until(() -> serverHandler.closed.size() == 1);
    assertThat(serverHandler.lastCause())
        .hasValueSatisfying(c -> assertThat(c.code()).isEqualTo(ErrorCode.OVERLOADED));
    assertThat(serverHandler.messages.size())
        .as("only credited messages were handed over")
        .isLessThanOrEqualTo(4);
    assertThat(Fixtures.errors(metrics, ErrorCode.OVERLOADED)).isEqualTo(1.0);
    assertGoodClientIsServed();
  }

  @Test
  void senderWithoutCreditHoldsMessagesThenOverloadsThenRecovers() throws Exception {
    try (RawPeer peer = new RawPeer(listening.localAddress())) {
      peer.handshake("replicaset", "scheduler", 3); // the raw peer grants 3 and then nothing
      eventually().until(() -> serverHandler.opened.size() == 1);
      Link link = serverHandler.opened.get(0);
      for (int i = 1; i <= 3; i++) {
        link.send(Fixtures.batch(i, i, 1));
      }
      for (int i = 1; i <= 3; i++) {
        assertThat(peer.read().getSeq()).isEqualTo(i);
      }
      // No credit left: everything from now on is held in the bounded outbound queue.
      int accepted = 3;
      LinkException overload = null;
      for (int i = 4; i <= 100 && overload == null; i++) {
        try {
          link.send(Fixtures.batch(i, i, 1));
          accepted++;
        } catch (LinkException e) {
          overload = e;
        }
      }
      assertThat(overload).as("send beyond the bound fails").isNotNull();
      assertThat(overload.code()).isEqualTo(ErrorCode.OVERLOADED);
      assertThat(accepted - 3).as("exactly the queue bound is held").isEqualTo(QUEUE_BOUND);
      assertThat(link.isWritable()).isFalse();
      assertThat(link.isOpen()).as("overload of the local queue does not close the link").isTrue();
      assertThat(serverHandler.writable.get()).isZero();

      peer.write(Envelope.newBuilder().setCredit(Credit.newBuilder().setMessages(1000)).build());
      for (int i = 4; i <= accepted; i++) {
        assertThat(peer.read().getSeq()).isEqualTo(i);
      }
      eventually().until(() -> serverHandler.writable.get() == 1);
      assertThat(link.isWritable()).isTrue();
      link.send(Fixtures.batch(500, 0, 1));
      assertThat(peer.read().getSeq()).isEqualTo(500);
    }
  }

  @Test
  void receiverThatStopsReadingSlowsTheSenderWithoutGrowingItsHeap() throws Exception {
    try (RawPeer peer = new RawPeer(listening.localAddress(), 4096)) {
      peer.handshake(
          "replicaset", "scheduler", Integer.MAX_VALUE); // unlimited credit: only TCP pushes back
      eventually().until(() -> serverHandler.opened.size() == 1);
      Link link = serverHandler.opened.get(0);
      Envelope big = Fixtures.batch(1, 0, 200); // ~17 KB
      // A polite sender: sends one message while the link is writable, then waits until the link
      // has handed
      // it to the socket or refuses more. So the link's queue holds at most one message (of 16) and
      // credit is
      // unlimited: once the link reports not writable, only the socket holds it back (Netty's
      // outbound buffer
      // above its high watermark because the kernel buffers are full). The receiver never reads, so
      // that
      // state must come. It is waited for as a state: no quiet period and no fixed time decides it.
      int accepted = 0;
      while (link.isWritable()) {
        assertThat(accepted)
            .as("a receiver that stops reading must stall the sender")
            .isLessThan(2_000);
        link.send(big.toBuilder().setSeq(++accepted).build());
        int sent = accepted;
        eventually().until(() -> batchesHandedToSocket() == sent || !link.isWritable());
      }
      assertThat(accepted - batchesHandedToSocket())
          .as("blocked by TCP, not by the link's own queue")
          .isLessThanOrEqualTo(1);
      // Bounded: kernel socket buffers + the 64 KiB watermark, far from 5,000 x 17 KB.
      assertThat(accepted).isLessThan(2_000);
      // Ignoring isWritable fills the bounded queue, then send fails with OVERLOADED. (If the
      // kernel still
      // takes a few bytes meanwhile, the queue drains a little and takes a few more: only the bound
      // matters.)
      LinkException overload = null;
      while (overload == null) {
        assertThat(accepted)
            .as("the outbound queue must refuse messages at its bound")
            .isLessThan(2_000);
        try {
          link.send(big.toBuilder().setSeq(accepted + 1).build());
          accepted++;
        } catch (LinkException e) {
          overload = e;
        }
      }
      assertThat(overload.code()).isEqualTo(ErrorCode.OVERLOADED);
      assertThat(accepted - batchesHandedToSocket())
          .as("messages held in the link's queue")
          .isBetween(0, QUEUE_BOUND);
      assertThat(link.isOpen()).as("overload of the local queue does not close the link").isTrue();

      int expected = accepted;
      CompletableFuture<Integer> reader =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  int read = 0;
                  while (read < expected) {
                    Envelope e = peer.read();
                    if (e == null) {
                      break;
                    }
                    if (e.hasObjectBatch()) {
                      read++;
                    }
                  }
                  return read;
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      eventually().atMost(Duration.ofSeconds(30)).until(reader::isDone);
      assertThat(reader.get())
          .as("every accepted message arrives once the receiver reads")
          .isEqualTo(expected);
      eventually().until(() -> serverHandler.writable.get() >= 1 && link.isWritable());
      assertThat(link.isOpen()).isTrue();
    }
  }

  /** Batches the server wrote to its socket: messages out to the peer minus the HelloAck. */
  private int batchesHandedToSocket() {
    return (int) Fixtures.counter(metrics, LinkMetrics.MESSAGES, "out", "replicaset") - 1;
  }

  private void assertGoodClientIsServed() {
    RecordingHandler client = RecordingHandler.recording();
    try (NettyTransport good =
        NettyTransport.builder().stageName("replicaset").plaintextOnLoopback().build()) {
      ClientLink dialled = good.connect(listening.localAddress(), "scheduler", client);
      eventually().until(() -> dialled.current().isPresent());
      for (int i = 1; i <= 20; i++) {
        dialled.current().orElseThrow().send(Fixtures.batch(i, 0, 3));
      }
      eventually().until(() -> client.acks() == 20);
    }
  }

  @Test
  void sendOnClosedLinkFailsWithInternal() {
    RecordingHandler client = RecordingHandler.recording();
    try (NettyTransport t =
        NettyTransport.builder().stageName("replicaset").plaintextOnLoopback().build()) {
      ClientLink dialled = t.connect(listening.localAddress(), "scheduler", client);
      eventually().until(() -> dialled.current().isPresent());
      Link link = dialled.current().orElseThrow();
      link.close();
      eventually().until(() -> !link.isOpen());
      assertThatThrownBy(() -> link.send(Fixtures.batch(1, 0, 1)))
          .isInstanceOfSatisfying(
              LinkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
      dialled.close();
    }
  }
}
