package io.kubedirect.runtime.internal.engine;

import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A mutable discovery for tests: stage -> (routing key -> address); key "" is the default instance.
 */
public final class FakeDiscovery implements PeerDiscovery {

  private final Map<String, Map<String, PeerAddress>> map = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean strict;

  /**
   * With {@code strict}, a routing key without an address of its own resolves to nothing instead of
   * the stage's default instance (the contract allows either: "empty if unknown").
   */
  public FakeDiscovery strict(boolean strict) {
    this.strict = strict;
    return this;
  }

  /** Maps {@code stage}/{@code routingKey} to {@code address}. */
  public FakeDiscovery put(String stage, String routingKey, PeerAddress address) {
    map.computeIfAbsent(stage, s -> new ConcurrentHashMap<>()).put(routingKey, address);
    listeners.forEach(Runnable::run);
    return this;
  }

  @Override
  public Optional<PeerAddress> resolve(String stage, String routingKey) {
    Map<String, PeerAddress> m = map.getOrDefault(stage, Map.of());
    PeerAddress a = m.get(routingKey);
    return Optional.ofNullable(a != null || strict ? a : m.get(""));
  }

  @Override
  public Set<PeerAddress> addresses(String stage) {
    return new LinkedHashSet<>(map.getOrDefault(stage, Map.of()).values());
  }

  @Override
  public void addListener(Runnable onChange) {
    listeners.add(onChange);
  }

  @Override
  public void close() {}
}
