package io.kubedirect.runtime.discovery;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds the leader of a replicated stage: the holder of the stage's {@code coordination.k8s.io/v1}
 * Lease, at the address it wrote into the Lease's {@code kubedirect.io/link-address} annotation
 * when it took the Lease ({@link io.kubedirect.runtime.LeaderElection}). Every routing key of a
 * stage resolves to its Lease's leader ({@link Builder#stage}); a sharded stage maps routing keys
 * to one Lease per shard ({@link Builder#route}). A Lease without a holder (released) or without an
 * address (the leader does not listen yet) gives no address, so writes for that stage wait for the
 * next leader or take the API fallback path. Only Leases labelled {@code kubedirect.io/stage} in
 * the namespace are watched.
 */
public final class LeasePeerDiscovery extends InformerPeerDiscovery<V1Lease> {

  private static final Logger LOG = LoggerFactory.getLogger(LeasePeerDiscovery.class);

  private final BadValueLog badValues = new BadValueLog();
  private final String namespace;
  private final Map<String, String> stageLeases;
  private final Map<String, Map<String, String>> routes;

  private LeasePeerDiscovery(Builder b, Source<V1Lease, V1LeaseList> source) {
    super(V1Lease.class, source);
    this.namespace = b.namespace;
    this.stageLeases = Map.copyOf(b.stageLeases);
    Map<String, Map<String, String>> r = new LinkedHashMap<>();
    b.routes.forEach((stage, byKey) -> r.put(stage, Map.copyOf(byKey)));
    this.routes = Map.copyOf(r);
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  RoutingTable compute(List<V1Lease> leases) {
    Map<String, PeerAddress> byLease = new HashMap<>();
    for (V1Lease l : leases) {
      if (l.getMetadata() == null || !namespace.equals(l.getMetadata().getNamespace())) {
        continue;
      }
      PeerAddress a = leaderAddress(l);
      if (a != null) {
        byLease.put(l.getMetadata().getName(), a);
      }
    }
    RoutingTable.Builder table = new RoutingTable.Builder();
    routes.forEach(
        (stage, byKey) ->
            byKey.forEach(
                (key, lease) -> {
                  PeerAddress a = byLease.get(lease);
                  if (a != null) {
                    table.route(stage, key, a);
                  }
                }));
    stageLeases.forEach(
        (stage, lease) -> {
          PeerAddress a = byLease.get(lease);
          if (a != null) {
            table.defaultAddress(stage, a);
          }
        });
    return table.build();
  }

  private PeerAddress leaderAddress(V1Lease l) {
    String holder = l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
    Map<String, String> annotations = l.getMetadata().getAnnotations();
    String value =
        annotations == null ? null : annotations.get(DiscoveryKeys.LINK_ADDRESS_ANNOTATION);
    if (holder == null || holder.isEmpty() || value == null) {
      return null;
    }
    try {
      return PeerAddress.parse(value.trim());
    } catch (IllegalArgumentException e) {
      if (badValues.firstTime(l.getMetadata().getName(), value)) {
        LOG.warn(
            "lease {}/{} has a bad {} annotation '{}': {}",
            namespace,
            l.getMetadata().getName(),
            DiscoveryKeys.LINK_ADDRESS_ANNOTATION,
            value,
            e.getMessage());
      }
      return null;
    }
  }

  /**
   * Builds a {@link LeasePeerDiscovery}. Sources as for {@link PodLabelPeerDiscovery.Builder}: an
   * {@link #apiClient}, a {@link #listerWatcher}, or a shared {@link #informerFactory}.
   */
  public static final class Builder {
    private String namespace;
    private final Map<String, String> stageLeases = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> routes = new LinkedHashMap<>();
    private ApiClient apiClient;
    private SharedInformerFactory factory;
    private ListerWatcher<V1Lease, V1LeaseList> listerWatcher;

    private Builder() {}

    /** The namespace of the Leases (required). */
    public Builder namespace(String namespace) {
      this.namespace = namespace;
      return this;
    }

    /** Every routing key of {@code stage} resolves to the leader of the Lease {@code leaseName}. */
    public Builder stage(String stage, String leaseName) {
      stageLeases.put(
          Objects.requireNonNull(stage, "stage"), Objects.requireNonNull(leaseName, "leaseName"));
      return this;
    }

    /**
     * The routing key {@code routingKey} of {@code stage} (e.g. a node name) resolves to the leader
     * of the Lease {@code leaseName} (one Lease per shard). Keys without a route, or whose Lease
     * has no leader, resolve as {@link #stage} says, if it was given for the stage.
     */
    public Builder route(String stage, String routingKey, String leaseName) {
      routes
          .computeIfAbsent(Objects.requireNonNull(stage, "stage"), s -> new LinkedHashMap<>())
          .put(
              Objects.requireNonNull(routingKey, "routingKey"),
              Objects.requireNonNull(leaseName, "leaseName"));
      return this;
    }

    /** Watch the API Server through this client; its read timeout must be 0. */
    public Builder apiClient(ApiClient apiClient) {
      this.apiClient = apiClient;
      return this;
    }

    /** Use (or register a Lease informer on) this factory; its owner starts and stops it. */
    public Builder informerFactory(SharedInformerFactory factory) {
      this.factory = factory;
      return this;
    }

    /** List and watch Leases from this source instead of the API Server. */
    public Builder listerWatcher(ListerWatcher<V1Lease, V1LeaseList> listerWatcher) {
      this.listerWatcher = listerWatcher;
      return this;
    }

    /**
     * The discovery (not started).
     *
     * @throws IllegalStateException if the namespace is missing, no stage or route is given, or the
     *     sources are not usable
     */
    public LeasePeerDiscovery build() {
      if (namespace == null || namespace.isBlank()) {
        throw new IllegalStateException("namespace is required");
      }
      if (stageLeases.isEmpty() && routes.isEmpty()) {
        throw new IllegalStateException("name at least one stage's Lease (stage or route)");
      }
      ListerWatcher<V1Lease, V1LeaseList> lw =
          Sources.choose(
              apiClient,
              factory,
              listerWatcher,
              V1Lease.class,
              () -> KubeListerWatchers.leases(apiClient, namespace, DiscoveryKeys.STAGE_LABEL));
      return new LeasePeerDiscovery(this, new Source<>(factory, apiClient, lw));
    }
  }
}
