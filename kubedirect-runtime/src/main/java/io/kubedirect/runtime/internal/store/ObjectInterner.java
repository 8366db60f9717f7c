package io.kubedirect.runtime.internal.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kubedirect.api.KindStrategy;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;

/**
 * Shares equal sub-objects between ephemeral objects so that thousands of pods decoded from one
 * ReplicaSet template hold one copy of their labels and owner references and of what their kind's
 * strategy shares (for pods: containers, tolerations, volumes, node selector, ...). A bounded
 * Caffeine cache of canonical instances (which instances it keeps changes only memory, never a
 * result, so its eviction policy need not be deterministic); thread-safe.
 *
 * <p>Objects in an informer cache are read-only by convention (client-java hands out the cached
 * instance); with interning that convention matters more: mutate a deep copy, never a received
 * object in place.
 */
public final class ObjectInterner implements KindStrategy.Interner {

  private final Cache<Object, Object> canonical;

  /** An interner remembering at most {@code maxEntries} distinct sub-objects. */
  public ObjectInterner(int maxEntries) {
    this.canonical = Caffeine.newBuilder().maximumSize(maxEntries).executor(Runnable::run).build();
  }

  /**
   * Replaces shareable metadata of {@code o} (labels, annotations, owner references, ...) and what
   * its kind's strategy shares by canonical equal instances; returns {@code o}.
   */
  public <T extends KubernetesObject> T compact(T o, KindStrategy<T> strategy) {
    V1ObjectMeta m = o.getMetadata();
    if (m != null) {
      m.setLabels(intern(m.getLabels()));
      m.setAnnotations(intern(m.getAnnotations()));
      m.setOwnerReferences(intern(m.getOwnerReferences()));
      m.setFinalizers(intern(m.getFinalizers()));
      m.setNamespace(intern(m.getNamespace()));
      m.setGenerateName(intern(m.getGenerateName()));
    }
    strategy.share(o, this);
    return o;
  }

  /** The canonical instance equal to {@code value} (null stays null). */
  @Override
  @SuppressWarnings("unchecked")
  public <V> V intern(V value) {
    if (value == null) {
      return null;
    }
    return (V) canonical.get(value, v -> v);
  }

  /** Number of canonical instances held. */
  public int size() {
    canonical.cleanUp();
    return (int) canonical.estimatedSize();
  }
}
