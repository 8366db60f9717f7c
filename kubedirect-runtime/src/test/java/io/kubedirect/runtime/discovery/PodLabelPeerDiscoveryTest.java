package io.kubedirect.runtime.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PodLabelPeerDiscoveryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(60);

  private final FakeListerWatcher<V1Pod, V1PodList> api =
      new FakeListerWatcher<>((items, meta) -> new V1PodList().items(items).metadata(meta));
  private PodLabelPeerDiscovery discovery;

  @AfterEach
  void close() {
    if (discovery != null) {
      discovery.close();
    }
  }

  static V1Pod pod(String ns, String name, String stage, String phase, String ip, String node) {
    Map<String, String> labels = new HashMap<>();
    if (stage != null) {
      labels.put(DiscoveryKeys.STAGE_LABEL, stage);
    }
    return new V1Pod()
        .metadata(new V1ObjectMeta().namespace(ns).name(name).labels(labels))
        .spec(new V1PodSpec().nodeName(node))
        .status(new V1PodStatus().phase(phase).podIP(ip));
  }

  private PodLabelPeerDiscovery start(PodLabelPeerDiscovery.Builder b) {
    discovery = b.build();
    discovery.start();
    await().atMost(TIMEOUT).until(discovery::hasSynced);
    return discovery;
  }

  @Test
  void runningLabelledPodsWithAnIpCount() {
    api.apply(pod("fns", "sched-b", "scheduler", "Running", "10.1.0.2", "n1"));
    api.apply(pod("fns", "sched-a", "scheduler", "Running", "10.1.0.1", "n2"));
    api.apply(pod("fns", "sched-pending", "scheduler", "Pending", null, null));
    api.apply(pod("fns", "sched-noip", "scheduler", "Running", "", "n3"));
    api.apply(pod("other", "sched-elsewhere", "scheduler", "Running", "10.9.0.1", "n1"));
    api.apply(pod("fns", "unlabelled", null, "Running", "10.1.0.9", "n1"));
    V1Pod terminating = pod("fns", "sched-terminating", "scheduler", "Running", "10.1.0.7", "n1");
    terminating.getMetadata().deletionTimestamp(OffsetDateTime.now());
    api.apply(terminating);

    start(PeerDiscoveries.podLabel().namespace("fns").defaultPort(7000).listerWatcher(api));

    await().atMost(TIMEOUT).until(() -> discovery.addresses("scheduler").size() == 2);
    assertThat(discovery.addresses("scheduler"))
        .containsExactly(new PeerAddress("10.1.0.1", 7000), new PeerAddress("10.1.0.2", 7000));
    assertThat(discovery.resolve("scheduler", "")).contains(new PeerAddress("10.1.0.1", 7000));
    assertThat(discovery.resolve("scheduler", "sched-b"))
        .contains(new PeerAddress("10.1.0.2", 7000));
    assertThat(discovery.resolve("scheduler", "n1")).contains(new PeerAddress("10.1.0.2", 7000));
    assertThat(discovery.resolve("scheduler", "sched-pending")).isEmpty();
    assertThat(discovery.resolve("replicaset", "")).isEmpty();
  }

  @Test
  void annotationAndStagePortsDecideTheAddress() {
    V1Pod annotated = pod("fns", "rs-0", "replicaset", "Running", "10.1.0.3", "n1");
    annotated
        .getMetadata()
        .putAnnotationsItem(DiscoveryKeys.LINK_ADDRESS_ANNOTATION, "rs.fns.svc:7443");
    V1Pod broken = pod("fns", "rs-1", "replicaset", "Running", "10.1.0.4", "n2");
    broken.getMetadata().putAnnotationsItem(DiscoveryKeys.LINK_ADDRESS_ANNOTATION, "no-port");
    api.apply(annotated);
    api.apply(broken);
    api.apply(pod("fns", "as-0", "autoscaler", "Running", "10.1.0.5", "n1"));
    api.apply(pod("fns", "sm-0", "sandbox-manager", "Running", "10.1.0.6", "n1"));

    start(PeerDiscoveries.podLabel().namespace("fns").port("autoscaler", 7001).listerWatcher(api));

    await().atMost(TIMEOUT).until(() -> discovery.resolve("autoscaler", "").isPresent());
    assertThat(discovery.resolve("replicaset", "")).contains(new PeerAddress("rs.fns.svc", 7443));
    assertThat(discovery.addresses("replicaset"))
        .containsExactly(new PeerAddress("rs.fns.svc", 7443));
    assertThat(discovery.resolve("autoscaler", "")).contains(new PeerAddress("10.1.0.5", 7001));
    assertThat(discovery.addresses("sandbox-manager"))
        .isEmpty(); // no annotation and no port for that stage
  }

  @Test
  void listenersSeeChangesAndAnswersFollowThem() {
    start(PeerDiscoveries.podLabel().namespace("fns").defaultPort(7000).listerWatcher(api));
    AtomicInteger changes = new AtomicInteger();
    discovery.addListener(changes::incrementAndGet);
    assertThat(discovery.addresses("scheduler")).isEmpty();

    V1Pod p = pod("fns", "sched-0", "scheduler", "Pending", null, null);
    api.apply(p);
    api.apply(pod("fns", "sched-0", "scheduler", "Running", "10.1.0.1", "n1"));
    await().atMost(TIMEOUT).until(() -> discovery.resolve("scheduler", "").isPresent());
    await().atMost(TIMEOUT).until(() -> changes.get() == 1);

    api.apply(pod("fns", "sched-0", "scheduler", "Running", "10.1.0.8", "n1"));
    await()
        .atMost(TIMEOUT)
        .until(
            () ->
                discovery
                    .resolve("scheduler", "")
                    .equals(java.util.Optional.of(new PeerAddress("10.1.0.8", 7000))));
    await().atMost(TIMEOUT).until(() -> changes.get() == 2);

    api.delete(p);
    await().atMost(TIMEOUT).until(() -> discovery.addresses("scheduler").isEmpty());
    await().atMost(TIMEOUT).until(() -> changes.get() == 3);
  }

  @Test
  void aFailingListenerDoesNotStopTheOthers() {
    start(PeerDiscoveries.podLabel().namespace("fns").defaultPort(7000).listerWatcher(api));
    AtomicInteger calls = new AtomicInteger();
    discovery.addListener(
        () -> {
          throw new IllegalStateException("listener bug");
        });
    discovery.addListener(calls::incrementAndGet);

    api.apply(pod("fns", "sched-0", "scheduler", "Running", "10.1.0.1", "n1"));

    await().atMost(TIMEOUT).until(() -> calls.get() == 1);
    api.apply(pod("fns", "sched-1", "scheduler", "Running", "10.1.0.2", "n1"));
    await().atMost(TIMEOUT).until(() -> calls.get() == 2);
  }

  @Test
  void reusesTheSharedFactorysPodInformer() {
    SharedInformerFactory shared = new SharedInformerFactory(new ApiClient().setReadTimeout(0));
    shared.sharedIndexInformerFor(api, V1Pod.class, 0L);
    api.apply(pod("fns", "sched-0", "scheduler", "Running", "10.1.0.1", "n1"));
    discovery =
        PeerDiscoveries.podLabel()
            .namespace("fns")
            .defaultPort(7000)
            .informerFactory(shared)
            .build();
    discovery.start();
    shared.startAllRegisteredInformers();
    try {
      await().atMost(TIMEOUT).until(() -> discovery.resolve("scheduler", "").isPresent());
      assertThat(api.watchCalls()).isEqualTo(1);
    } finally {
      shared.stopAllRegisteredInformers(true);
    }
  }

  @Test
  void builderValidates() {
    assertThatThrownBy(() -> PeerDiscoveries.podLabel().listerWatcher(api).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("namespace");
    assertThatThrownBy(() -> PeerDiscoveries.podLabel().namespace("fns").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("source");
    assertThatThrownBy(
            () -> PeerDiscoveries.podLabel().namespace("fns").apiClient(new ApiClient()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("read timeout");
    assertThatThrownBy(
            () ->
                PeerDiscoveries.podLabel()
                    .namespace("fns")
                    .defaultPort(0)
                    .listerWatcher(api)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("port");
    assertThatThrownBy(
            () ->
                PeerDiscoveries.podLabel()
                    .namespace("fns")
                    .informerFactory(new SharedInformerFactory(new ApiClient().setReadTimeout(0)))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("informer");
  }
}
