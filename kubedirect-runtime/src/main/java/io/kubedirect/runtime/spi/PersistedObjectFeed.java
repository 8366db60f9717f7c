package io.kubedirect.runtime.spi;

import io.kubernetes.client.common.KubernetesObject;

/**
 * What the informers see of the persisted store. The runtime uses it to drop ephemeral entries once their
 * persisted copy exists (the API Server copy wins) and to clear dirty entries upstream.
 */
public interface PersistedObjectFeed {

  /** Registers {@code listener} for objects of {@code kind}. */
  void addListener(String kind, Listener listener);

  /** Callbacks, in informer order for one object. */
  interface Listener {
    /** The object was added or modified in the persisted store. */
    void onPersisted(KubernetesObject object);

    /** The object was deleted from the persisted store. */
    void onDeleted(KubernetesObject object);
  }
}
