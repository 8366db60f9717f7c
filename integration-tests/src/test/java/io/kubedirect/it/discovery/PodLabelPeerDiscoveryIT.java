package io.kubedirect.it.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.runtime.discovery.PodLabelPeerDiscovery;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodIP;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Pod-label discovery against a real kube-apiserver (the test plays the kubelet by writing pod
 * status).
 */
@LocalKubernetes
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PodLabelPeerDiscoveryIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  static String namespace(ApiClient client, String prefix) throws ApiException {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    new CoreV1Api(client)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(name)))
        .execute();
    return name;
  }

  static V1Pod createStagePod(CoreV1Api core, String ns, String name, String stage) {
    try {
      return core.createNamespacedPod(
              ns,
              new V1Pod()
                  .metadata(
                      new V1ObjectMeta()
                          .name(name)
                          .labels(Map.of(DiscoveryKeys.STAGE_LABEL, stage)))
                  // client-java initializes spec.overhead to {}, which kube-apiserver rejects
                  // without a RuntimeClass.
                  .spec(
                      new V1PodSpec()
                          .overhead(null)
                          .nodeName("node-" + name)
                          .containers(
                              List.of(
                                  new V1Container()
                                      .name("main")
                                      .image("registry.invalid/stage:1")))))
          .execute();
    } catch (ApiException e) {
      throw new AssertionError(
          "creating pod " + ns + "/" + name + " failed: " + e.getCode() + " " + e.getResponseBody(),
          e);
    }
  }

  /** Reports the pod Running with an IP, as the kubelet would. */
  static void markRunning(CoreV1Api core, String ns, String name, String ip) throws ApiException {
    V1Pod p = core.readNamespacedPod(name, ns).execute();
    p.status(new V1PodStatus().phase("Running").podIP(ip).podIPs(List.of(new V1PodIP().ip(ip))));
    core.replaceNamespacedPodStatus(name, ns, p).execute();
  }

  @Test
  void followsStagePodsThroughTheirLifecycle(ApiClient client) throws Exception {
    CoreV1Api core = new CoreV1Api(client);
    String ns = namespace(client, "disc");
    String elsewhere = namespace(client, "disc-other");
    try (PodLabelPeerDiscovery discovery =
        PeerDiscoveries.podLabel().namespace(ns).defaultPort(7000).apiClient(client).build()) {
      AtomicInteger changes = new AtomicInteger();
      discovery.addListener(changes::incrementAndGet);
      discovery.start();
      await().atMost(WAIT).until(discovery::hasSynced);

      createStagePod(core, ns, "sched-0", "scheduler");
      createStagePod(core, elsewhere, "sched-x", "scheduler");
      markRunning(core, elsewhere, "sched-x", "10.244.9.9");
      assertThat(discovery.addresses("scheduler")).isEmpty();

      markRunning(core, ns, "sched-0", "10.244.0.5");
      await()
          .atMost(WAIT)
          .until(
              () ->
                  discovery
                      .resolve("scheduler", "")
                      .equals(Optional.of(new PeerAddress("10.244.0.5", 7000))));
      assertThat(discovery.resolve("scheduler", "node-sched-0"))
          .contains(new PeerAddress("10.244.0.5", 7000));
      await().atMost(WAIT).until(() -> changes.get() >= 1);

      V1Pod p = core.readNamespacedPod("sched-0", ns).execute();
      p.getMetadata()
          .putAnnotationsItem(DiscoveryKeys.LINK_ADDRESS_ANNOTATION, "sched.example:7443");
      core.replaceNamespacedPod("sched-0", ns, p).execute();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  discovery
                      .resolve("scheduler", "")
                      .equals(Optional.of(new PeerAddress("sched.example", 7443))));

      core.deleteNamespacedPod("sched-0", ns).gracePeriodSeconds(0).execute();
      await().atMost(WAIT).until(() -> discovery.addresses("scheduler").isEmpty());
      assertThat(changes.get()).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void registersOnASharedFactoryThatItsOwnerStarts(ApiClient client) throws Exception {
    CoreV1Api core = new CoreV1Api(client);
    String ns = namespace(client, "disc-shared");
    SharedInformerFactory factory = new SharedInformerFactory(client);
    try (PodLabelPeerDiscovery discovery =
        PeerDiscoveries.podLabel()
            .namespace(ns)
            .port("replicaset", 7100)
            .informerFactory(factory)
            .apiClient(client)
            .build()) {
      discovery.start();
      factory.startAllRegisteredInformers();
      createStagePod(core, ns, "rs-0", "replicaset");
      markRunning(core, ns, "rs-0", "10.244.1.7");

      await()
          .atMost(WAIT)
          .until(
              () ->
                  discovery
                      .addresses("replicaset")
                      .equals(java.util.Set.of(new PeerAddress("10.244.1.7", 7100))));
      assertThat(factory.getExistingSharedIndexInformer(V1Pod.class)).isNotNull();
    } finally {
      factory.stopAllRegisteredInformers(true);
    }
  }
}
