package io.kubedirect.runtime.sim;

import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Fixed addresses for the simulated chain: one address per (stage, routing key); the routing key of
 * a sandbox manager is its node name, other stages use {@code ""}. Addresses stay the same across
 * restarts.
 */
final class SimDiscovery implements PeerDiscovery {

  private final Map<String, Map<String, PeerAddress>> byStage = new LinkedHashMap<>();

  /** Registers {@code address} for {@code stage} and {@code routingKey}. */
  SimDiscovery add(String stage, String routingKey, PeerAddress address) {
    byStage.computeIfAbsent(stage, s -> new LinkedHashMap<>()).put(routingKey, address);
    return this;
  }

  @Override
  public Optional<PeerAddress> resolve(String stage, String routingKey) {
    return Optional.ofNullable(byStage.getOrDefault(stage, Map.of()).get(routingKey));
  }

  @Override
  public Set<PeerAddress> addresses(String stage) {
    return new LinkedHashSet<>(byStage.getOrDefault(stage, Map.of()).values());
  }

  @Override
  public void addListener(Runnable onChange) {
    // static: never changes
  }

  @Override
  public void close() {
    // nothing to release
  }
}
