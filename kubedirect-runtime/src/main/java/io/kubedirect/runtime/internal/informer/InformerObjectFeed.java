package io.kubedirect.runtime.internal.informer;

import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubernetes.client.common.KubernetesObject;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link PersistedObjectFeed} fed by the API side of the informers ({@link UnionListerWatcher}
 * publishes every listed or watched API object). Thread-safe.
 */
public final class InformerObjectFeed implements PersistedObjectFeed {

  private static final Logger log = LoggerFactory.getLogger(InformerObjectFeed.class);

  private final Map<String, List<Listener>> listeners = new ConcurrentHashMap<>();
  private final Map<String, Long> observed = new ConcurrentHashMap<>();

  @Override
  public void addListener(String kind, Listener listener) {
    listeners.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(listener);
  }

  /** Reports that the API Server shows {@code object}. */
  public void publishPersisted(String kind, KubernetesObject object) {
    for (Listener l : listeners.getOrDefault(kind, List.of())) {
      try {
        l.onPersisted(object);
      } catch (RuntimeException e) {
        log.warn("feed listener failed", e);
      }
    }
  }

  /** Reports that the API Server deleted {@code object}. */
  public void publishDeleted(String kind, KubernetesObject object) {
    for (Listener l : listeners.getOrDefault(kind, List.of())) {
      try {
        l.onDeleted(object);
      } catch (RuntimeException e) {
        log.warn("feed listener failed", e);
      }
    }
  }

  /**
   * Reports that every change of {@code kind} up to {@code resourceVersion} has been published
   * (after a list: the list's resourceVersion; after a watch event or bookmark: its object's
   * resourceVersion). Call it after publishing the events it covers. Non-numeric resourceVersions
   * are ignored.
   */
  public void observeRevision(String kind, String resourceVersion) {
    if (resourceVersion == null || resourceVersion.isEmpty()) {
      return;
    }
    long rv;
    try {
      rv = Long.parseLong(resourceVersion);
    } catch (NumberFormatException e) {
      return;
    }
    observed.merge(kind, rv, Math::max);
  }

  @Override
  public OptionalLong observedRevision(String kind) {
    Long rv = observed.get(kind);
    return rv == null ? OptionalLong.empty() : OptionalLong.of(rv);
  }
}
