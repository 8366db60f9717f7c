package io.kubedirect.runtime.internal.store;

import io.kubernetes.client.common.KubernetesObject;
import java.util.Objects;

/**
 * One ephemeral object held by a stage.
 *
 * @param source the upstream stage that produced it (or this stage's own name for local changes)
 * @param kind the protocol kind string
 * @param key {@code namespace/name}
 * @param version the producer-assigned version
 * @param object the object (shared, treat as read-only)
 * @param baseResourceVersion the API Server resourceVersion the object derives from, or null when
 *     it was never persisted; the entry is dropped once the API Server shows a different version of
 *     the object
 */
public record EphemeralEntry(
    String source,
    String kind,
    String key,
    long version,
    KubernetesObject object,
    String baseResourceVersion) {

  /** Validates the components. */
  public EphemeralEntry {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(object, "object");
  }
}
