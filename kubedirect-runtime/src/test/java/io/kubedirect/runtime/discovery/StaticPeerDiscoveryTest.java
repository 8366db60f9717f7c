package io.kubedirect.runtime.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StaticPeerDiscoveryTest {

  private static final PeerAddress SCHED = PeerAddress.parse("10.0.0.1:7000");
  private static final PeerAddress SM_A = PeerAddress.parse("10.0.1.1:7100");
  private static final PeerAddress SM_B = PeerAddress.parse("10.0.1.2:7100");

  private final StaticPeerDiscovery discovery =
      PeerDiscoveries.staticTable()
          .stage("scheduler", SCHED)
          .route("sandbox-manager", "node-1", SM_A)
          .route("sandbox-manager", "node-2", SM_A)
          .route("sandbox-manager", "node-3", SM_B)
          .build();

  @Test
  void resolvesStagesAndRoutingKeys() {
    assertThat(discovery.resolve("scheduler", "")).contains(SCHED);
    assertThat(discovery.resolve("scheduler", "any-key")).contains(SCHED);
    assertThat(discovery.resolve("sandbox-manager", "node-2")).contains(SM_A);
    assertThat(discovery.resolve("sandbox-manager", "node-3")).contains(SM_B);
    assertThat(discovery.resolve("sandbox-manager", "node-9")).isEmpty();
    assertThat(discovery.resolve("sandbox-manager", "")).contains(SM_A);
    assertThat(discovery.resolve("autoscaler", "")).isEmpty();
    assertThat(discovery.resolve(null, null)).isEmpty();
  }

  @Test
  void addressesAreDistinctAndOrdered() {
    assertThat(discovery.addresses("sandbox-manager")).containsExactly(SM_A, SM_B);
    assertThat(discovery.addresses("scheduler")).containsExactly(SCHED);
    assertThat(discovery.addresses("nope")).isEmpty();
    assertThatThrownBy(() -> discovery.addresses("scheduler").add(SM_A))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void invalidEntriesFailInBuild() {
    assertThatThrownBy(() -> PeerDiscoveries.staticTable().stage(" ", SCHED).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PeerDiscoveries.staticTable().route("s", "", SCHED).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> PeerDiscoveries.staticTable().route("s", "k", null).build())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void compositeAsksInOrderAndUnitesAddresses() {
    PeerAddress other = PeerAddress.parse("10.9.9.9:1");
    AtomicInteger closed = new AtomicInteger();
    PeerDiscovery second =
        new PeerDiscovery() {
          @Override
          public java.util.Optional<PeerAddress> resolve(String stage, String routingKey) {
            return java.util.Optional.of(other);
          }

          @Override
          public java.util.Set<PeerAddress> addresses(String stage) {
            return java.util.Set.of(other);
          }

          @Override
          public void addListener(Runnable onChange) {}

          @Override
          public void close() {
            closed.incrementAndGet();
            throw new IllegalStateException("boom");
          }
        };
    PeerDiscovery composite = PeerDiscoveries.composite(discovery, second);

    assertThat(composite.resolve("sandbox-manager", "node-3")).contains(SM_B);
    assertThat(composite.resolve("sandbox-manager", "node-9")).contains(other);
    assertThat(composite.addresses("sandbox-manager")).containsExactly(SM_A, SM_B, other);
    composite.close();
    assertThat(closed).hasValue(1);
    assertThatThrownBy(PeerDiscoveries::composite).isInstanceOf(IllegalArgumentException.class);
  }
}
