package io.kubedirect.api;

import io.kubernetes.client.common.KubernetesObject;

/**
 * What the runtime needs to know about one kind of object that is not the same for every kind.
 * Register one with {@code KubeDirect.Builder.kind(...)}; pods have {@link KindStrategies#pods()}
 * by default, every other kind {@link KindStrategies#generic()}.
 *
 * @param <T> the model class
 */
public interface KindStrategy<T extends KubernetesObject> {

  /**
   * Which instance of a downstream stage consumes {@code object}: the key given to {@code
   * PeerDiscovery.resolve} (e.g. a pod's node for the sandbox manager of that node); {@code ""} for
   * any instance.
   */
  String routingKey(T object);

  /**
   * Why a copy already stored under the object's name is not this stage's to write (null if it is),
   * e.g. a pod bound to another node was persisted by that node's sandbox manager: the stored copy
   * wins and this stage's write of it fails.
   */
  default String ownershipConflict(T desired, T stored) {
    return null;
  }

  /**
   * A change from {@code stored} to {@code desired} that an update of the object cannot store and
   * that goes through a subresource first, or null if none. Pods: {@code spec.nodeName} of a stored
   * pod is set only through its {@code binding} (after a fallback stored the pod unbound, the copy
   * a scheduler bound is written back that way). The write-back makes this write, re-reads the
   * object, then writes the rest.
   */
  default SubresourceWrite subresourceWrite(T desired, T stored) {
    return null;
  }

  /** A write to subresource {@code subresource} (e.g. {@code "binding"}) with body {@code body}. */
  record SubresourceWrite(String subresource, KubernetesObject body) {}

  /**
   * Replaces parts of a received object by equal canonical instances, so that many objects stamped
   * from one template share them (memory); metadata is shared by the runtime already. Default:
   * nothing.
   */
  default void share(T object, Interner interner) {}

  /** Shares equal values. */
  interface Interner {
    /** The canonical instance equal to {@code value} (null stays null). */
    <V> V intern(V value);
  }
}
