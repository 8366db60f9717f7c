package io.kubedirect.runtime.discovery;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds stage instances as pods labelled {@code kubedirect.io/stage=<stage>} in one namespace. A
 * pod counts while it is Running, has a pod IP and is not terminating; its address is the {@code
 * kubedirect.io/link-address} annotation ({@code host:port}) if present, else its pod IP and the
 * configured port (per stage or default). Pods are ordered by name: {@code resolve(stage, "")}
 * answers the first; a non-empty routing key matches a pod name or the pod's node name (so a
 * per-node stage such as a sandbox-manager DaemonSet routes by node). Pods with an unparsable
 * annotation are skipped with a warning.
 */
public final class PodLabelPeerDiscovery extends InformerPeerDiscovery<V1Pod> {

  private final BadValueLog badValues = new BadValueLog();
  private static final Logger LOG = LoggerFactory.getLogger(PodLabelPeerDiscovery.class);

  private final String namespace;
  private final Integer defaultPort;
  private final Map<String, Integer> stagePorts;

  private PodLabelPeerDiscovery(Builder b, Source<V1Pod, V1PodList> source) {
    super(V1Pod.class, source);
    this.namespace = b.namespace;
    this.defaultPort = b.defaultPort;
    this.stagePorts = Map.copyOf(b.stagePorts);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  RoutingTable compute(List<V1Pod> pods) {
    RoutingTable.Builder table = new RoutingTable.Builder();
    pods.stream()
        .filter(p -> p.getMetadata() != null && p.getMetadata().getName() != null)
        .filter(p -> namespace.equals(p.getMetadata().getNamespace()))
        .sorted(Comparator.comparing((V1Pod p) -> p.getMetadata().getName()))
        .forEach(
            p -> {
              Map<String, String> labels = p.getMetadata().getLabels();
              String stage = labels == null ? null : labels.get(DiscoveryKeys.STAGE_LABEL);
              if (stage == null || stage.isEmpty() || !isServing(p)) {
                return;
              }
              PeerAddress address = address(stage, p);
              if (address == null) {
                return;
              }
              table.route(stage, p.getMetadata().getName(), address);
              String node = p.getSpec() == null ? null : p.getSpec().getNodeName();
              if (node != null && !node.isEmpty()) {
                table.route(stage, node, address);
              }
            });
    return table.build();
  }

  private static boolean isServing(V1Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null
        && p.getStatus() != null
        && "Running".equals(p.getStatus().getPhase())
        && p.getStatus().getPodIP() != null
        && !p.getStatus().getPodIP().isEmpty();
  }

  private PeerAddress address(String stage, V1Pod p) {
    Map<String, String> annotations = p.getMetadata().getAnnotations();
    String annotated =
        annotations == null ? null : annotations.get(DiscoveryKeys.LINK_ADDRESS_ANNOTATION);
    if (annotated != null) {
      try {
        return PeerAddress.parse(annotated.trim());
      } catch (IllegalArgumentException e) {
        if (badValues.firstTime(p.getMetadata().getName(), annotated)) {
          LOG.warn(
              "pod {}/{} has a bad {} annotation '{}': {}",
              namespace,
              p.getMetadata().getName(),
              DiscoveryKeys.LINK_ADDRESS_ANNOTATION,
              annotated,
              e.getMessage());
        }
        return null;
      }
    }
    Integer port = stagePorts.getOrDefault(stage, defaultPort);
    if (port == null) {
      LOG.debug(
          "pod {}/{} has no {} annotation and stage {} has no port",
          namespace,
          p.getMetadata().getName(),
          DiscoveryKeys.LINK_ADDRESS_ANNOTATION,
          stage);
      return null;
    }
    return new PeerAddress(p.getStatus().getPodIP(), port);
  }

  /**
   * Builds a {@link PodLabelPeerDiscovery}. Exactly one source: {@link #apiClient} (an informer of
   * its own), {@link #listerWatcher} (an informer of its own over that source, e.g. a test fake),
   * or {@link #informerFactory} (reuses the factory's pod informer if it has one, else registers
   * one on it with the api client or lister-watcher also given; the factory's owner starts it).
   */
  public static final class Builder {
    private String namespace;
    private Integer defaultPort;
    private final Map<String, Integer> stagePorts = new HashMap<>();
    private ApiClient apiClient;
    private SharedInformerFactory factory;
    private ListerWatcher<V1Pod, V1PodList> listerWatcher;

    private Builder() {}

    /** The namespace the stage pods run in (required). */
    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    /** The link port for pods without the link-address annotation. */
    public Builder defaultPort(int port) {
      this.defaultPort = port;
      return this;
    }

    /** The link port of one stage's pods without the link-address annotation. */
    public Builder port(String stage, int port) {
      stagePorts.put(Objects.requireNonNull(stage, "stage"), port);
      return this;
    }

    /** Watch the API Server through this client; its read timeout must be 0. */
    public Builder apiClient(ApiClient apiClient) {
      this.apiClient = apiClient;
      return this;
    }

    /** Use (or register a pod informer on) this factory; its owner starts and stops it. */
    public Builder informerFactory(SharedInformerFactory factory) {
      this.factory = factory;
      return this;
    }

    /** List and watch pods from this source instead of the API Server. */
    public Builder listerWatcher(ListerWatcher<V1Pod, V1PodList> listerWatcher) {
      this.listerWatcher = listerWatcher;
      return this;
    }

    /**
     * The discovery (not started).
     *
     * @throws IllegalStateException if the namespace is missing, a port is out of range, no source
     *     or a client with a non-zero read timeout is given
     */
    public PodLabelPeerDiscovery build() {
      if (namespace == null || namespace.isBlank()) {
        throw new IllegalStateException("namespace is required");
      }
      checkPort(defaultPort);
      stagePorts.values().forEach(Builder::checkPort);
      ListerWatcher<V1Pod, V1PodList> lw =
          Sources.choose(
              apiClient,
              factory,
              listerWatcher,
              V1Pod.class,
              () -> KubeListerWatchers.pods(apiClient, namespace, DiscoveryKeys.STAGE_LABEL));
      return new PodLabelPeerDiscovery(this, new Source<>(factory, apiClient, lw));
    }

    private static void checkPort(Integer port) {
      if (port != null && (port < 1 || port > 65_535)) {
        throw new IllegalStateException("port out of range: " + port);
      }
    }
  }
}
