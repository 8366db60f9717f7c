package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RoundTripTest {

  @ParameterizedTest
  @EnumSource(
      value = IoBackend.class,
      names = {"NIO", "EPOLL", "IO_URING"})
  void batchesAreDeliveredInOrderAndAcked(IoBackend backend) {
    Assumptions.assumeTrue(backend.isAvailable(), backend + " not available here");
    SimpleMeterRegistry serverMetrics = new SimpleMeterRegistry();
    RecordingHandler server = RecordingHandler.acking();
    RecordingHandler client = RecordingHandler.recording();
    try (NettyTransport serverTransport =
            NettyTransport.builder()
                .stageName("scheduler")
                .plaintextOnLoopback()
                .ioBackend(backend)
                .initialCredits(8)
                .meterRegistry(serverMetrics)
                .build();
        NettyTransport clientTransport =
            NettyTransport.builder()
                .stageName("replicaset")
                .plaintextOnLoopback()
                .ioBackend(backend)
                .initialCredits(8)
                .build()) {
      assertThat(serverTransport.ioBackend()).isEqualTo(backend);
      LinkServer listening = serverTransport.listen(PeerAddress.loopback(0), server);
      ClientLink dialled = clientTransport.connect(listening.localAddress(), "scheduler", client);
      eventually().until(() -> dialled.current().isPresent());
      Link link = dialled.current().orElseThrow();
      assertThat(link.peer().stage()).isEqualTo("scheduler");
      assertThat(link.peer().verified()).isFalse();

      int batches = 200; // far more than the credit window of 8: credits must be replenished
      for (int i = 1; i <= batches; i++) {
        link.send(
            Fixtures.batch(i, i * 10, 10)); // held in the outbound queue while credit is short
      }
      eventually().until(() -> client.acks() == batches);
      List<Long> seqs = server.messages.stream().map(Envelope::getSeq).toList();
      assertThat(seqs).hasSize(batches).isSorted().doesNotHaveDuplicates();
      assertThat(server.messages.get(0)).isEqualTo(Fixtures.batch(1, 10, 10));
      assertThat(server.opened)
          .singleElement()
          .satisfies(l -> assertThat(l.peer().stage()).isEqualTo("replicaset"));
      assertThat(Fixtures.counter(serverMetrics, LinkMetrics.MESSAGES, "in", "replicaset"))
          .isGreaterThanOrEqualTo(batches);
      assertThat(Fixtures.counter(serverMetrics, LinkMetrics.BYTES, "in", "replicaset"))
          .isGreaterThan(batches * Fixtures.batch(1, 10, 10).getSerializedSize() * 0.9);

      link.close();
      eventually().until(() -> server.closed.size() == 1 && client.closed.size() >= 1);
      assertThat(server.closed.get(0).cause()).as("orderly close from the peer").isNull();
      assertThat(client.closed.get(0).cause()).as("orderly local close").isNull();
      dialled.close();
    }
  }

  @org.junit.jupiter.api.Test
  void concurrentSendersKeepTheirOwnOrder() throws Exception {
    RecordingHandler server = RecordingHandler.acking();
    RecordingHandler client = RecordingHandler.recording();
    int threads = 4;
    int perThread = 500;
    try (NettyTransport serverTransport =
            NettyTransport.builder()
                .stageName("scheduler")
                .plaintextOnLoopback()
                .initialCredits(16)
                .build();
        NettyTransport clientTransport =
            NettyTransport.builder()
                .stageName("replicaset")
                .plaintextOnLoopback()
                .outboundQueueBound(threads * perThread)
                .build()) {
      LinkServer listening = serverTransport.listen(PeerAddress.loopback(0), server);
      ClientLink dialled = clientTransport.connect(listening.localAddress(), "scheduler", client);
      eventually().until(() -> dialled.current().isPresent());
      Link link = dialled.current().orElseThrow();
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      try {
        java.util.List<java.util.concurrent.Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < threads; t++) {
          long base = (t + 1) * 1_000_000L;
          done.add(
              pool.submit(
                  () -> {
                    for (int i = 1; i <= perThread; i++) {
                      link.send(Fixtures.batch(base + i, 0, 1));
                    }
                  }));
        }
        for (var f : done) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      eventually().until(() -> client.acks() == threads * perThread);
      for (int t = 1; t <= threads; t++) {
        long base = t * 1_000_000L;
        List<Long> mine =
            server.messages.stream()
                .map(Envelope::getSeq)
                .filter(seq -> seq > base && seq <= base + perThread)
                .toList();
        assertThat(mine).as("thread %d", t).hasSize(perThread).isSorted();
      }
    }
  }
}
