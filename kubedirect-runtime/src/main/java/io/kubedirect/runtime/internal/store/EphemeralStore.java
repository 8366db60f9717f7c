package io.kubedirect.runtime.internal.store;

import io.kubernetes.client.common.KubernetesObject;
import java.util.List;
import java.util.Optional;

/**
 * The ephemeral objects a stage received over direct links and that are not persisted yet. Bounded
 * by the engine. Thread-safe; listeners are called synchronously, in mutation order, and must not
 * block.
 */
public interface EphemeralStore {

  /** The entry for {@code kind} and {@code key} ({@code namespace/name}). */
  Optional<EphemeralEntry> get(String kind, String key);

  /** The objects of {@code kind}. */
  List<KubernetesObject> list(String kind);

  /** The entries of {@code kind}. */
  List<EphemeralEntry> entries(String kind);

  /** Every entry produced by {@code source}. */
  List<EphemeralEntry> heldFrom(String source);

  /** How many entries the store holds. */
  int size();

  /** Registers a listener. */
  void addListener(Listener listener);

  /** Removes a listener. */
  void removeListener(Listener listener);

  /**
   * Inserts or replaces an entry, unless the store holds a newer or equal version from the same
   * source (then nothing changes: duplicates are idempotent, older versions ignored).
   *
   * @return whether the store changed
   */
  boolean upsert(EphemeralEntry entry);

  /**
   * Replaces the object of an existing entry, keeping its source, version and base (this stage
   * changed the object it holds, e.g. bound a pod, and its informers should see that).
   *
   * @return whether an entry existed
   */
  boolean replaceLocal(String kind, String key, KubernetesObject object);

  /**
   * Removes the entry if it is from {@code source} and its version is at most {@code version}
   * ({@code Long.MAX_VALUE} = any version).
   *
   * @return the removed entry
   */
  Optional<EphemeralEntry> removeFrom(
      String source, String kind, String key, long version, RemovalReason reason);

  /** Removes the entry whatever its source. */
  Optional<EphemeralEntry> remove(String kind, String key, RemovalReason reason);

  /** Drops everything without notifying listeners (the process "crashed"). */
  void clear();

  /** Store events. */
  interface Listener {
    /** An object was added or replaced; {@code previous} is null for an add. */
    void onUpsert(EphemeralEntry entry, EphemeralEntry previous);

    /** An object was removed. */
    void onRemove(EphemeralEntry entry, RemovalReason reason);
  }
}
