package io.kubedirect.runtime.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NodeAnnotationPeerDiscoveryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final String SM = DiscoveryKeys.SANDBOX_MANAGER_STAGE;

  private final FakeListerWatcher<V1Node, V1NodeList> api =
      new FakeListerWatcher<>((items, meta) -> new V1NodeList().items(items).metadata(meta));
  private NodeAnnotationPeerDiscovery discovery;

  @AfterEach
  void close() {
    if (discovery != null) {
      discovery.close();
    }
  }

  static V1Node node(String name, String address) {
    V1ObjectMeta meta = new V1ObjectMeta().name(name);
    if (address != null) {
      meta.putAnnotationsItem(DiscoveryKeys.SANDBOX_MANAGER_ADDRESS_ANNOTATION, address);
    }
    return new V1Node().metadata(meta);
  }

  private void start() {
    discovery = PeerDiscoveries.nodeAnnotation().listerWatcher(api).build();
    discovery.start();
    await().atMost(TIMEOUT).until(discovery::hasSynced);
  }

  @Test
  void routesByNodeNameAndSharesOneManagerBetweenNodes() {
    api.apply(node("node-b", "10.0.0.2:7100"));
    api.apply(node("node-a", "10.0.0.1:7100"));
    api.apply(node("node-c", "10.0.0.1:7100"));
    api.apply(node("node-plain", null));
    api.apply(node("node-bad", "not an address"));
    start();

    await().atMost(TIMEOUT).until(() -> discovery.addresses(SM).size() == 2);
    assertThat(discovery.resolve(SM, "node-a")).contains(PeerAddress.parse("10.0.0.1:7100"));
    assertThat(discovery.resolve(SM, "node-b")).contains(PeerAddress.parse("10.0.0.2:7100"));
    assertThat(discovery.resolve(SM, "node-c")).contains(PeerAddress.parse("10.0.0.1:7100"));
    assertThat(discovery.resolve(SM, "node-plain")).isEmpty();
    assertThat(discovery.resolve(SM, "node-bad")).isEmpty();
    assertThat(discovery.resolve(SM, "")).contains(PeerAddress.parse("10.0.0.1:7100"));
    assertThat(discovery.addresses(SM))
        .containsExactly(PeerAddress.parse("10.0.0.1:7100"), PeerAddress.parse("10.0.0.2:7100"));
    assertThat(discovery.resolve("scheduler", "node-a")).isEmpty();
    assertThat(discovery.addresses("scheduler")).isEmpty();
  }

  @Test
  void followsAnnotationChangesAndDeletions() {
    start();
    AtomicInteger changes = new AtomicInteger();
    discovery.addListener(changes::incrementAndGet);

    V1Node n = node("node-a", "10.0.0.1:7100");
    api.apply(n);
    await().atMost(TIMEOUT).until(() -> discovery.resolve(SM, "node-a").isPresent());
    api.apply(node("node-a", "[fd00::1]:7100"));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                discovery
                    .resolve(SM, "node-a")
                    .equals(Optional.of(new PeerAddress("fd00::1", 7100))));
    await().atMost(TIMEOUT).until(() -> changes.get() == 2);
    api.apply(node("node-a", "[fd00::1]:7100")); // same answer: no notification
    api.apply(node("node-z", null)); // irrelevant node: no notification
    api.delete(n);
    await().atMost(TIMEOUT).until(() -> discovery.addresses(SM).isEmpty());

    await().atMost(TIMEOUT).until(() -> changes.get() == 3);
    // The informer processes events in order, so nothing else is pending for these objects.
    assertThat(changes.get()).isEqualTo(3);
  }

  @Test
  void closeStopsUpdates() {
    start();
    discovery.close();
    api.apply(node("node-a", "10.0.0.1:7100"));
    discovery.refresh();
    assertThat(discovery.resolve(SM, "node-a")).isEmpty();
  }
}
