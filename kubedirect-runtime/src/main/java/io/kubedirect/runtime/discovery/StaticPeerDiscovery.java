package io.kubedirect.runtime.discovery;

import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A fixed table of addresses, e.g. for tests, demos or a static deployment. {@code resolve(stage,
 * key)} answers the address routed for {@code key} if any, else the stage's address (set with
 * {@link Builder#stage}); a routing key without a route and without a stage address resolves to
 * nothing, and {@code ""} falls back to the first routed address. The answers never change, so
 * listeners are never called.
 */
public final class StaticPeerDiscovery implements PeerDiscovery {

  private final RoutingTable table;

  private StaticPeerDiscovery(RoutingTable table) {
    this.table = table;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public Optional<PeerAddress> resolve(String stage, String routingKey) {
    return table.resolve(stage, routingKey);
  }

  @Override
  public Set<PeerAddress> addresses(String stage) {
    return table.addresses(stage);
  }

  @Override
  public void addListener(Runnable onChange) {
    Objects.requireNonNull(onChange, "onChange");
  }

  @Override
  public void close() {}

  @Override
  public String toString() {
    return "StaticPeerDiscovery" + table;
  }

  /** Builds a {@link StaticPeerDiscovery}. */
  public static final class Builder {
    private final RoutingTable.Builder table = new RoutingTable.Builder();
    private IllegalStateException error;

    private Builder() {}

    /** The address of {@code stage} for {@code ""} and for routing keys without their own route. */
    public Builder stage(String stage, PeerAddress address) {
      if (check(stage, "", address)) {
        table.defaultAddress(stage, address);
      }
      return this;
    }

    /**
     * The address of the instance of {@code stage} responsible for {@code routingKey} (e.g. a node
     * name).
     */
    public Builder route(String stage, String routingKey, PeerAddress address) {
      if (check(stage, routingKey, address) && !routingKey.isEmpty()) {
        table.route(stage, routingKey, address);
      } else if (error == null && routingKey != null && routingKey.isEmpty()) {
        error =
            new IllegalStateException(
                "routing key must not be empty (use stage(...) for the default)");
      }
      return this;
    }

    private boolean check(String stage, String routingKey, PeerAddress address) {
      if (error == null
          && (stage == null || stage.isBlank() || routingKey == null || address == null)) {
        error =
            new IllegalStateException(
                "stage, routing key and address must be non-null and the stage "
                    + "non-blank: "
                    + stage
                    + ", "
                    + routingKey
                    + ", "
                    + address);
      }
      return error == null;
    }

    /**
     * The discovery.
     *
     * @throws IllegalStateException if an entry was invalid
     */
    public StaticPeerDiscovery build() {
      if (error != null) {
        throw error;
      }
      return new StaticPeerDiscovery(table.build());
    }
  }
}
