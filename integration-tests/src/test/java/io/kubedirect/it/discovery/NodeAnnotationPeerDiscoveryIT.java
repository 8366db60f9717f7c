package io.kubedirect.it.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.runtime.discovery.NodeAnnotationPeerDiscovery;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Node-annotation discovery against a real kube-apiserver (Node objects created by the test). */
@LocalKubernetes
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeAnnotationPeerDiscoveryIT {

  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String SM = DiscoveryKeys.SANDBOX_MANAGER_STAGE;

  private static void createNode(CoreV1Api core, String name, String address) throws ApiException {
    core.createNode(
            new V1Node()
                .metadata(
                    new V1ObjectMeta()
                        .name(name)
                        .putAnnotationsItem(
                            DiscoveryKeys.SANDBOX_MANAGER_ADDRESS_ANNOTATION, address)))
        .execute();
  }

  @Test
  void mapsNodesToTheirSandboxManagers(ApiClient client) throws Exception {
    CoreV1Api core = new CoreV1Api(client);
    String prefix = "kd-" + UUID.randomUUID().toString().substring(0, 6);
    PeerAddress shared = new PeerAddress("127.0.0.1", 17100);
    PeerAddress own = new PeerAddress("127.0.0.1", 17200);
    try (NodeAnnotationPeerDiscovery discovery =
        PeerDiscoveries.nodeAnnotation().apiClient(client).build()) {
      discovery.start();
      await().atMost(WAIT).until(discovery::hasSynced);

      createNode(core, prefix + "-a", "127.0.0.1:17100");
      createNode(core, prefix + "-b", "127.0.0.1:17100");
      createNode(core, prefix + "-c", "127.0.0.1:17200");
      await()
          .atMost(WAIT)
          .until(
              () ->
                  discovery.resolve(SM, prefix + "-c").isPresent()
                      && discovery.resolve(SM, prefix + "-a").isPresent()
                      && discovery.resolve(SM, prefix + "-b").isPresent());
      assertThat(discovery.resolve(SM, prefix + "-a")).contains(shared);
      assertThat(discovery.resolve(SM, prefix + "-b")).contains(shared);
      assertThat(discovery.resolve(SM, prefix + "-c")).contains(own);
      assertThat(discovery.addresses(SM)).contains(shared, own);
      assertThat(discovery.addresses(SM).stream().filter(shared::equals).count()).isEqualTo(1);

      V1Node c = core.readNode(prefix + "-c").execute();
      c.getMetadata()
          .putAnnotationsItem(DiscoveryKeys.SANDBOX_MANAGER_ADDRESS_ANNOTATION, "127.0.0.1:17300");
      core.replaceNode(prefix + "-c", c).execute();
      await()
          .atMost(WAIT)
          .until(
              () ->
                  discovery
                      .resolve(SM, prefix + "-c")
                      .equals(Optional.of(new PeerAddress("127.0.0.1", 17300))));

      core.deleteNode(prefix + "-a").execute();
      await().atMost(WAIT).until(() -> discovery.resolve(SM, prefix + "-a").isEmpty());
      assertThat(discovery.resolve(SM, prefix + "-b")).contains(shared);
    } finally {
      for (String n : new String[] {"-b", "-c"}) {
        try {
          core.deleteNode(prefix + n).execute();
        } catch (ApiException ignored) {
          // already gone
        }
      }
    }
  }
}
