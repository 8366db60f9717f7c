package io.kubedirect.runtime.internal.codec;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubernetes.client.common.KubernetesObject;
import java.util.Objects;

/**
 * One change to send: the object as the producer holds it and its producer-assigned version.
 *
 * @param type ADDED, MODIFIED or DELETED (for DELETED only name and namespace of {@code object} are
 *     sent)
 * @param object the object; never null (a deletion still names the object)
 * @param version the producer-assigned version (monotonic per object), see {@code
 *     ObjectRef.version}
 */
public record OutboundChange(ChangeType type, KubernetesObject object, long version) {

  /** Validates the components. */
  public OutboundChange {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(object, "object");
    if (type == ChangeType.CHANGE_TYPE_UNSPECIFIED || type == ChangeType.UNRECOGNIZED) {
      throw new IllegalArgumentException(
          "change type must be ADDED, MODIFIED or DELETED, got " + type);
    }
    if (version < 0) {
      throw new IllegalArgumentException("version must not be negative: " + version);
    }
  }
}
