package io.kubedirect.runtime.spi;

import io.kubernetes.client.common.KubernetesObject;
import java.util.OptionalLong;

/**
 * What the informers see of the persisted store. The runtime uses it to drop ephemeral entries once
 * their persisted copy exists (the API Server copy wins) and to clear dirty entries upstream.
 */
public interface PersistedObjectFeed {

  /** Registers {@code listener} for objects of {@code kind}. */
  void addListener(String kind, Listener listener);

  /**
   * The highest store revision up to which this feed has delivered every change of {@code kind} to
   * all its listeners (the largest resourceVersion delivered by the watch, a bookmark, or the
   * list's resourceVersion after a relist). It must only be advanced after the listeners returned
   * for the events up to it. Empty when unknown; the default is empty.
   */
  default OptionalLong observedRevision(String kind) {
    return OptionalLong.empty();
  }

  /** Callbacks, in informer order for one object. */
  interface Listener {
    /** The object was added or modified in the persisted store. */
    void onPersisted(KubernetesObject object);

    /** The object was deleted from the persisted store. */
    void onDeleted(KubernetesObject object);
  }
}
