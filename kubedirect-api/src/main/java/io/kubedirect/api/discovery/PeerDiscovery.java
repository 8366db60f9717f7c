package io.kubedirect.api.discovery;

import io.kubedirect.transport.PeerAddress;
import java.util.Optional;
import java.util.Set;

/** Resolves stage names (and routing keys) to link addresses. Implementations are thread-safe. */
public interface PeerDiscovery extends AutoCloseable {

  /**
   * Address of the instance of {@code stage} responsible for {@code routingKey} ({@code ""} = the
   * stage's only/any instance; for the sandbox-manager stage the routing key is the node name).
   * Empty if unknown.
   */
  Optional<PeerAddress> resolve(String stage, String routingKey);

  /**
   * Every currently known address of {@code stage} (the runtime handshakes with each); empty if
   * none.
   */
  Set<PeerAddress> addresses(String stage);

  /** Called (on any thread) whenever the answer of resolve/addresses may have changed. */
  void addListener(Runnable onChange);

  /** Starts watching the sources (no-op for static implementations). Idempotent. */
  default void start() {}

  /** Stops watching and releases resources. Idempotent. */
  @Override
  void close();
}
