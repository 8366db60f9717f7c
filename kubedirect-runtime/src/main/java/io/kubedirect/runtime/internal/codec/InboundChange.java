package io.kubedirect.runtime.internal.codec;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubernetes.client.common.KubernetesObject;
import java.util.Objects;

/**
 * One decoded change.
 *
 * @param type ADDED, MODIFIED or DELETED
 * @param ref kind, namespace, name and version of the object
 * @param object the decoded object; null for DELETED
 */
public record InboundChange(ChangeType type, ObjectRef ref, KubernetesObject object) {

  /** Validates the components. */
  public InboundChange {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(ref, "ref");
    if (type != ChangeType.DELETED) {
      Objects.requireNonNull(object, "object (required unless DELETED)");
    }
  }
}
