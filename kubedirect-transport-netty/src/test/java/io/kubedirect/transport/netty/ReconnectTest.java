package io.kubedirect.transport.netty;

import static io.kubedirect.transport.netty.Fixtures.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Client links reconnect with the injected backoff, also to a restarted server on the same port.
 */
class ReconnectTest {

  /** Counts policies and delays handed out; constant 20 ms delay. */
  static final class CountingBackoff implements BackoffPolicy.Provider {
    final AtomicInteger policies = new AtomicInteger();
    final AtomicInteger delays = new AtomicInteger();

    @Override
    public BackoffPolicy get() {
      policies.incrementAndGet();
      return () -> {
        delays.incrementAndGet();
        return Duration.ofMillis(20);
      };
    }
  }

  @Test
  void reconnectsAfterServerRestartOnTheSamePort() {
    CountingBackoff backoff = new CountingBackoff();
    RecordingHandler clientHandler = RecordingHandler.recording();
    try (NettyTransport client =
        NettyTransport.builder()
            .stageName("replicaset")
            .plaintextOnLoopback()
            .backoff(backoff)
            .heartbeatInterval(Duration.ofMillis(200))
            .build()) {
      int port;
      ClientLink dialled;
      try (NettyTransport server =
          NettyTransport.builder().stageName("scheduler").plaintextOnLoopback().build()) {
        LinkServer listening = server.listen(PeerAddress.loopback(0), RecordingHandler.acking());
        port = listening.localAddress().port();
        dialled = client.connect(listening.localAddress(), "scheduler", clientHandler);
        eventually().until(() -> dialled.current().isPresent());
      }
      // The server process is gone: the link closes and the client keeps retrying with backoff.
      eventually().until(() -> dialled.current().isEmpty() && clientHandler.closed.size() == 1);
      eventually().until(() -> backoff.delays.get() >= 3);
      Link first = clientHandler.opened.get(0);
      assertThat(first.isOpen()).isFalse();

      RecordingHandler restarted = RecordingHandler.acking();
      try (NettyTransport server =
          NettyTransport.builder().stageName("scheduler").plaintextOnLoopback().build()) {
        server.listen(PeerAddress.loopback(port), restarted);
        eventually().until(() -> dialled.current().isPresent());
        Link second = dialled.current().orElseThrow();
        assertThat(second).isNotSameAs(first);
        assertThat(second.id()).isNotEqualTo(first.id());
        int policiesAfterReconnect = backoff.policies.get();
        assertThat(policiesAfterReconnect)
            .as("a successful connection starts a fresh policy")
            .isGreaterThanOrEqualTo(2);
        second.send(Fixtures.batch(1, 0, 1));
        eventually().until(() -> clientHandler.acks() == 1);
        assertThat(restarted.messages).hasSize(1);
      }
      dialled.close();
      int attempts = backoff.delays.get();
      assertThat(dialled.current()).isEmpty();
      // After close() there are no more attempts: the counter stays put while the transport lives.
      eventually()
          .during(Duration.ofMillis(200))
          .atMost(Duration.ofSeconds(2))
          .until(() -> backoff.delays.get() == attempts);
    }
  }

  @Test
  void closeReleasesTheEventLoopThreads() {
    NettyTransport t =
        NettyTransport.builder()
            .stageName("closer")
            .plaintextOnLoopback()
            .eventLoopThreads(2)
            .build();
    LinkServer s = t.listen(PeerAddress.loopback(0), RecordingHandler.acking());
    ClientLink c = t.connect(s.localAddress(), "closer", RecordingHandler.recording());
    eventually().until(() -> c.current().isPresent());
    assertThat(ioThreads()).isNotEmpty();
    t.close();
    t.close(); // idempotent
    eventually().until(() -> ioThreads().isEmpty());
  }

  private static Set<String> ioThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(Thread::isAlive)
        .map(Thread::getName)
        .filter(n -> n.startsWith("kubedirect-io-closer"))
        .collect(java.util.stream.Collectors.toSet());
  }
}
