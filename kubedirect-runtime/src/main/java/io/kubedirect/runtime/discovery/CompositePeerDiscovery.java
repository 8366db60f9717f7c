package io.kubedirect.runtime.discovery;

import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks several discoveries in order: {@code resolve} answers the first non-empty answer, {@code
 * addresses} the union (in order). Listeners, {@code start} and {@code close} go to every delegate.
 */
public final class CompositePeerDiscovery implements PeerDiscovery {

  private static final Logger LOG = LoggerFactory.getLogger(CompositePeerDiscovery.class);

  private final List<PeerDiscovery> delegates;

  /**
   * A composite of the delegates, asked in this order.
   *
   * @throws IllegalArgumentException if there is none or one is null
   */
  public CompositePeerDiscovery(List<? extends PeerDiscovery> delegates) {
    if (delegates == null || delegates.isEmpty() || delegates.stream().anyMatch(Objects::isNull)) {
      throw new IllegalArgumentException("at least one non-null delegate is required");
    }
    this.delegates = List.copyOf(delegates);
  }

  @Override
  public Optional<PeerAddress> resolve(String stage, String routingKey) {
    for (PeerDiscovery d : delegates) {
      Optional<PeerAddress> a = d.resolve(stage, routingKey);
      if (a.isPresent()) {
        return a;
      }
    }
    return Optional.empty();
  }

  @Override
  public Set<PeerAddress> addresses(String stage) {
    Set<PeerAddress> all = new LinkedHashSet<>();
    for (PeerDiscovery d : delegates) {
      all.addAll(d.addresses(stage));
    }
    return Collections.unmodifiableSet(all);
  }

  @Override
  public void addListener(Runnable onChange) {
    Objects.requireNonNull(onChange, "onChange");
    delegates.forEach(d -> d.addListener(onChange));
  }

  @Override
  public void start() {
    delegates.forEach(PeerDiscovery::start);
  }

  /** Closes every delegate, even if one fails. */
  @Override
  public void close() {
    for (PeerDiscovery d : delegates) {
      try {
        d.close();
      } catch (RuntimeException e) {
        LOG.warn("closing {} failed", d, e);
      }
    }
  }
}
