package io.kubedirect.transport.netty;

import io.kubedirect.testing.transport.TransportConformanceSuite;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;

/**
 * The SPI contract on the Netty transport: plaintext on loopback, real time (Awaitility, no
 * sleeps).
 */
class NettyTransportConformanceTest extends TransportConformanceSuite {

  @Override
  protected Transport newTransport(String stageName, BackoffPolicy.Provider backoff) {
    return NettyTransport.builder()
        .stageName(stageName)
        .plaintextOnLoopback()
        .backoff(backoff)
        .initialCredits(16)
        .outboundQueueBound(1024)
        .eventLoopThreads(1)
        .build();
  }

  @Override
  protected PeerAddress anyAddress() {
    return PeerAddress.loopback(0);
  }

  @Override
  protected void awaitUntil(String what, BooleanSupplier condition) {
    Awaitility.await(what)
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5))
        .until(condition::getAsBoolean);
  }

  @Override
  protected void assertStays(String what, BooleanSupplier condition, Duration period) {
    Awaitility.await(what)
        .during(period)
        .atMost(period.plusSeconds(1))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(10))
        .until(condition::getAsBoolean);
  }
}
