package io.kubedirect.runtime.internal.model;

import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubernetes.client.common.KubernetesObject;
import java.util.Objects;

/**
 * The identity of an object across the runtime: its kind (protocol kind string, e.g. {@code
 * "/v1/Pod"}), namespace ({@code ""} for cluster-scoped objects) and name. {@link #key()} is
 * client-java's cache key ({@code namespace/name}); {@link #toString()} is the runtime's map key
 * and log form, {@code kind|namespace/name}.
 */
public record ObjectId(String kind, String namespace, String name) {

  /** Validates; a null namespace means cluster-scoped. */
  public ObjectId {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    namespace = namespace == null ? "" : namespace;
  }

  /** The object {@code key} ({@code namespace/name} or {@code name}) of {@code kind}. */
  public static ObjectId of(String kind, String key) {
    int slash = key.indexOf('/');
    return slash < 0
        ? new ObjectId(kind, "", key)
        : new ObjectId(kind, key.substring(0, slash), key.substring(slash + 1));
  }

  /** The object a protocol reference names. */
  public static ObjectId of(ObjectRef ref) {
    return new ObjectId(ref.getKind(), ref.getNamespace(), ref.getName());
  }

  /** The identity of {@code object}, of {@code kind}. */
  public static ObjectId of(String kind, KubernetesObject object) {
    return new ObjectId(kind, object.getMetadata().getNamespace(), object.getMetadata().getName());
  }

  /** {@code kind|key}: the runtime's map key for an object (see {@link #toString()}). */
  public static String idOf(String kind, String key) {
    return kind + "|" + key;
  }

  /**
   * client-java's cache key: {@code namespace/name}, or {@code name} for cluster-scoped objects.
   */
  public String key() {
    return Kinds.key(namespace, name);
  }

  /** An object of this kind with only this name and namespace set (e.g. the body of a delete). */
  public KubernetesObject stub() {
    return ObjectSupport.stub(kind, namespace, name);
  }

  /** {@code kind|namespace/name}. */
  @Override
  public String toString() {
    return idOf(kind, key());
  }
}
