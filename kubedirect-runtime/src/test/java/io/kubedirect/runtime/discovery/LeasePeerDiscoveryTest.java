package io.kubedirect.runtime.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseList;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LeasePeerDiscoveryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final FakeListerWatcher<V1Lease, V1LeaseList> api =
      new FakeListerWatcher<>((items, meta) -> new V1LeaseList().items(items).metadata(meta));
  private LeasePeerDiscovery discovery;

  @AfterEach
  void close() {
    if (discovery != null) {
      discovery.close();
    }
  }

  static V1Lease lease(String ns, String name, String holder, String address) {
    V1ObjectMeta meta =
        new V1ObjectMeta().name(name).namespace(ns).putLabelsItem(DiscoveryKeys.STAGE_LABEL, name);
    if (address != null) {
      meta.putAnnotationsItem(DiscoveryKeys.LINK_ADDRESS_ANNOTATION, address);
    }
    return new V1Lease().metadata(meta).spec(new V1LeaseSpec().holderIdentity(holder));
  }

  private void start(LeasePeerDiscovery.Builder b) {
    discovery = b.listerWatcher(api).build();
    discovery.start();
    await().atMost(TIMEOUT).until(discovery::hasSynced);
  }

  @Test
  void everyRoutingKeyOfAStageResolvesToItsLeader() {
    api.apply(lease("faas", "kubedirect-scheduler", "sched-0", "10.0.0.5:7301"));
    api.apply(lease("faas", "kubedirect-sandbox-manager", "sm-1", "10.0.0.7:7302"));
    api.apply(lease("other", "kubedirect-scheduler", "x", "10.9.9.9:7301"));
    start(
        PeerDiscoveries.lease()
            .namespace("faas")
            .stage("scheduler", "kubedirect-scheduler")
            .stage("sandbox-manager", "kubedirect-sandbox-manager"));

    await().atMost(TIMEOUT).until(() -> discovery.resolve("scheduler", "").isPresent());
    assertThat(discovery.resolve("scheduler", "")).contains(PeerAddress.parse("10.0.0.5:7301"));
    assertThat(discovery.resolve("sandbox-manager", "pool-3"))
        .contains(PeerAddress.parse("10.0.0.7:7302"));
    assertThat(discovery.addresses("sandbox-manager"))
        .containsExactly(PeerAddress.parse("10.0.0.7:7302"));
    assertThat(discovery.resolve("replicaset", "")).isEmpty();
  }

  @Test
  void followsTakeoversAndIgnoresLeasesWithoutHolderOrAddress() {
    start(PeerDiscoveries.lease().namespace("faas").stage("scheduler", "kubedirect-scheduler"));
    AtomicInteger changes = new AtomicInteger();
    discovery.addListener(changes::incrementAndGet);

    api.apply(lease("faas", "kubedirect-scheduler", "sched-0", "10.0.0.5:7301"));
    await().atMost(TIMEOUT).until(() -> discovery.resolve("scheduler", "").isPresent());
    // Released: no holder, so no leader to dial.
    api.apply(lease("faas", "kubedirect-scheduler", null, null));
    await().atMost(TIMEOUT).until(() -> discovery.resolve("scheduler", "").isEmpty());
    // Taken by a replica that does not listen yet.
    api.apply(lease("faas", "kubedirect-scheduler", "sched-1", null));
    api.apply(lease("faas", "kubedirect-scheduler", "sched-1", "bad"));
    api.apply(lease("faas", "kubedirect-scheduler", "sched-1", "10.0.0.6:7301"));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                discovery
                    .resolve("scheduler", "")
                    .equals(Optional.of(PeerAddress.parse("10.0.0.6:7301"))));
    assertThat(changes.get()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void shardsRouteKeysToTheirOwnLease() {
    api.apply(lease("faas", "sm-a", "sm-a-0", "10.0.1.1:7302"));
    api.apply(lease("faas", "sm-b", "sm-b-1", "10.0.2.1:7302"));
    start(
        PeerDiscoveries.lease()
            .namespace("faas")
            .route("sandbox-manager", "node-1", "sm-a")
            .route("sandbox-manager", "node-2", "sm-b"));
    await().atMost(TIMEOUT).until(() -> discovery.addresses("sandbox-manager").size() == 2);
    assertThat(discovery.resolve("sandbox-manager", "node-1"))
        .contains(PeerAddress.parse("10.0.1.1:7302"));
    assertThat(discovery.resolve("sandbox-manager", "node-2"))
        .contains(PeerAddress.parse("10.0.2.1:7302"));
    assertThat(discovery.resolve("sandbox-manager", "node-3")).isEmpty();
  }

  @Test
  void builderChecks() {
    assertThatThrownBy(() -> PeerDiscoveries.lease().stage("s", "l").listerWatcher(api).build())
        .hasMessageContaining("namespace");
    assertThatThrownBy(() -> PeerDiscoveries.lease().namespace("faas").listerWatcher(api).build())
        .hasMessageContaining("at least one");
  }
}
