package io.kubedirect.runtime;

import io.kubernetes.client.common.KubernetesObject;

/**
 * What the runtime needs to know about one kind of object that is not the same for every kind. Register one
 * with {@code KubeDirect.Builder.kind(...)}; pods have {@link KindStrategies#pods()} by default, every other kind
 * {@link KindStrategies#generic()}.
 *
 * @param <T> the model class
 */
public interface KindStrategy<T extends KubernetesObject> {

  /**
   * Which instance of a downstream stage consumes {@code object}: the key given to
   * {@code PeerDiscovery.resolve} (e.g. a pod's node for the sandbox manager of that node); {@code ""} for
   * any instance.
   */
  String routingKey(T object);

  /**
   * Why a copy already stored under the object's name is not this stage's to write (null if it is), e.g. a
   * pod bound to another node was persisted by that node's sandbox manager: the stored copy wins and this
   * stage's write of it fails.
   */
  default String ownershipConflict(T desired, T stored) {
    return null;
  }

  /**
   * Replaces parts of a received object by equal canonical instances, so that many objects stamped from one
   * template share them (memory); metadata is shared by the runtime already. Default: nothing.
   */
  default void share(T object, Interner interner) {}

  /** Shares equal values. */
  interface Interner {
    /** The canonical instance equal to {@code value} (null stays null). */
    <V> V intern(V value);
  }
}
