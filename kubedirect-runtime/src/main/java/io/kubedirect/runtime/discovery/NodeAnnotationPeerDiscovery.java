package io.kubedirect.runtime.discovery;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the kubelet-side stage (the sandbox manager) per node from the Node annotation {@code
 * kubedirect.io/sandbox-manager-address: host:port}. The routing key is the node name; several
 * nodes may name one address (one sandbox manager serving them), which {@link #addresses} lists
 * once. Only the configured stage (default {@code sandbox-manager}) is answered; nodes being
 * deleted and unparsable annotations (logged) are skipped. Nodes are ordered by name; {@code
 * resolve(stage, "")} answers the first node's address.
 */
public final class NodeAnnotationPeerDiscovery extends InformerPeerDiscovery<V1Node> {

  private final BadValueLog badValues = new BadValueLog();
  private static final Logger LOG = LoggerFactory.getLogger(NodeAnnotationPeerDiscovery.class);

  private final String stage;

  private NodeAnnotationPeerDiscovery(String stage, Source<V1Node, V1NodeList> source) {
    super(V1Node.class, source);
    this.stage = stage;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  RoutingTable compute(List<V1Node> nodes) {
    RoutingTable.Builder table = new RoutingTable.Builder();
    nodes.stream()
        .filter(
            n ->
                n.getMetadata() != null
                    && n.getMetadata().getName() != null
                    && n.getMetadata().getDeletionTimestamp() == null)
        .sorted(Comparator.comparing((V1Node n) -> n.getMetadata().getName()))
        .forEach(
            n -> {
              Map<String, String> annotations = n.getMetadata().getAnnotations();
              String value =
                  annotations == null
                      ? null
                      : annotations.get(DiscoveryKeys.SANDBOX_MANAGER_ADDRESS_ANNOTATION);
              if (value == null) {
                return;
              }
              try {
                table.route(stage, n.getMetadata().getName(), PeerAddress.parse(value.trim()));
              } catch (IllegalArgumentException e) {
                if (badValues.firstTime(n.getMetadata().getName(), value)) {
                  LOG.warn(
                      "node {} has a bad {} annotation '{}': {}",
                      n.getMetadata().getName(),
                      DiscoveryKeys.SANDBOX_MANAGER_ADDRESS_ANNOTATION,
                      value,
                      e.getMessage());
                }
              }
            });
    return table.build();
  }

  /**
   * Builds a {@link NodeAnnotationPeerDiscovery}. Sources as for {@link
   * PodLabelPeerDiscovery.Builder}: an {@link #apiClient}, a {@link #listerWatcher}, or a shared
   * {@link #informerFactory}.
   */
  public static final class Builder {
    private String stage = DiscoveryKeys.SANDBOX_MANAGER_STAGE;
    private ApiClient apiClient;
    private SharedInformerFactory factory;
    private ListerWatcher<V1Node, V1NodeList> listerWatcher;

    private Builder() {}

    /** The stage name the node addresses belong to (default {@code sandbox-manager}). */
    public Builder stage(String stage) {
      this.stage = stage;
      return this;
    }

    /** Watch the API Server through this client; its read timeout must be 0. */
    public Builder apiClient(ApiClient apiClient) {
      this.apiClient = apiClient;
      return this;
    }

    /** Use (or register a node informer on) this factory; its owner starts and stops it. */
    public Builder informerFactory(SharedInformerFactory factory) {
      this.factory = factory;
      return this;
    }

    /** List and watch nodes from this source instead of the API Server. */
    public Builder listerWatcher(ListerWatcher<V1Node, V1NodeList> listerWatcher) {
      this.listerWatcher = listerWatcher;
      return this;
    }

    /**
     * The discovery (not started).
     *
     * @throws IllegalStateException if the stage is blank or the sources are not usable
     */
    public NodeAnnotationPeerDiscovery build() {
      if (stage == null || stage.isBlank()) {
        throw new IllegalStateException("stage must not be blank");
      }
      ListerWatcher<V1Node, V1NodeList> lw =
          Sources.choose(
              apiClient,
              factory,
              listerWatcher,
              V1Node.class,
              () -> KubeListerWatchers.nodes(apiClient));
      return new NodeAnnotationPeerDiscovery(stage, new Source<>(factory, apiClient, lw));
    }
  }
}
