package io.kubedirect.runtime.discovery;

import io.kubedirect.transport.PeerAddress;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable answer table: per stage, an ordered set of addresses and a routing-key index. {@code
 * ""} resolves to the stage's default address (see {@link Builder#defaultAddress}) or else its
 * first address.
 */
final class RoutingTable {

  static final RoutingTable EMPTY = new Builder().build();

  private final Map<String, Set<PeerAddress>> addresses;
  private final Map<String, Map<String, PeerAddress>> routes;
  private final Map<String, PeerAddress> defaults;

  private RoutingTable(Builder b) {
    Map<String, Set<PeerAddress>> a = new LinkedHashMap<>();
    b.addresses.forEach((k, v) -> a.put(k, Collections.unmodifiableSet(new LinkedHashSet<>(v))));
    Map<String, Map<String, PeerAddress>> r = new LinkedHashMap<>();
    b.routes.forEach((k, v) -> r.put(k, Collections.unmodifiableMap(new LinkedHashMap<>(v))));
    this.addresses = Collections.unmodifiableMap(a);
    this.routes = Collections.unmodifiableMap(r);
    this.defaults = Collections.unmodifiableMap(new LinkedHashMap<>(b.defaults));
  }

  Optional<PeerAddress> resolve(String stage, String routingKey) {
    if (stage == null) {
      return Optional.empty();
    }
    String key = routingKey == null ? "" : routingKey;
    if (!key.isEmpty()) {
      Map<String, PeerAddress> byKey = routes.get(stage);
      PeerAddress routed = byKey == null ? null : byKey.get(key);
      if (routed != null) {
        return Optional.of(routed);
      }
    }
    PeerAddress fallback = defaults.get(stage);
    if (fallback != null) {
      return Optional.of(fallback);
    }
    if (key.isEmpty()) {
      Set<PeerAddress> all = addresses.get(stage);
      if (all != null && !all.isEmpty()) {
        return Optional.of(all.iterator().next());
      }
    }
    return Optional.empty();
  }

  Set<PeerAddress> addresses(String stage) {
    return addresses.getOrDefault(stage, Set.of());
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RoutingTable t
        && t.addresses.equals(addresses)
        && t.routes.equals(routes)
        && t.defaults.equals(defaults);
  }

  @Override
  public int hashCode() {
    return addresses.hashCode() * 31 + routes.hashCode();
  }

  @Override
  public String toString() {
    return "RoutingTable{addresses="
        + addresses
        + ", routes="
        + routes
        + ", defaults="
        + defaults
        + "}";
  }

  /** Collects entries in insertion order. */
  static final class Builder {
    private final Map<String, Set<PeerAddress>> addresses = new LinkedHashMap<>();
    private final Map<String, Map<String, PeerAddress>> routes = new LinkedHashMap<>();
    private final Map<String, PeerAddress> defaults = new LinkedHashMap<>();

    /** Adds an address of a stage. */
    Builder add(String stage, PeerAddress address) {
      addresses.computeIfAbsent(stage, s -> new LinkedHashSet<>()).add(address);
      return this;
    }

    /**
     * Adds an address for a routing key (first one wins); the address also joins the stage's set.
     */
    Builder route(String stage, String routingKey, PeerAddress address) {
      add(stage, address);
      routes.computeIfAbsent(stage, s -> new LinkedHashMap<>()).putIfAbsent(routingKey, address);
      return this;
    }

    /**
     * The address for {@code ""} and for routing keys without a route; also joins the stage's set.
     */
    Builder defaultAddress(String stage, PeerAddress address) {
      add(stage, address);
      defaults.putIfAbsent(stage, address);
      return this;
    }

    RoutingTable build() {
      return new RoutingTable(this);
    }
  }
}
