package io.kubedirect.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.kubedirect.testing.transport.TransportConformanceSuite;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;

/**
 * The SPI contract on the in-memory transport, in virtual time: every wait runs the {@link
 * DeterministicTaskScheduler} (on the test thread) until the condition holds.
 */
class InMemoryTransportConformanceTest extends TransportConformanceSuite {

  private static final Duration VIRTUAL_TIMEOUT = Duration.ofSeconds(60);

  private final DeterministicTaskScheduler scheduler = new DeterministicTaskScheduler(20_260_101L);
  private final InMemoryNetwork network =
      InMemoryNetwork.builder(scheduler).latency(Duration.ofMillis(1)).build();

  @Override
  protected Transport newTransport(String stageName, BackoffPolicy.Provider backoff) {
    return InMemoryTransport.builder(network, stageName)
        .backoff(backoff)
        .initialCredits(16)
        .maxQueuedMessages(1024)
        .highWatermark(1024)
        .build();
  }

  @Override
  protected PeerAddress anyAddress() {
    return new PeerAddress("conformance", 0);
  }

  @Override
  protected void awaitUntil(String what, BooleanSupplier condition) {
    if (!scheduler.runUntil(condition, VIRTUAL_TIMEOUT)) {
      fail("not within " + VIRTUAL_TIMEOUT + " of virtual time: " + what);
    }
  }

  @Override
  protected void assertStays(String what, BooleanSupplier condition, Duration period) {
    if (scheduler.runUntil(() -> !condition.getAsBoolean(), period)) {
      fail("stopped holding within " + period + " of virtual time: " + what);
    }
  }

  @AfterEach
  void noTaskFailed() {
    assertThat(scheduler.errors()).isEmpty();
  }
}
