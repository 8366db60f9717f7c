package io.kubedirect.api;

import io.kubernetes.client.common.KubernetesObject;
import java.util.Objects;

/**
 * The outcome of one write to the persisted store.
 *
 * @param status what happened
 * @param object the object as stored (with its new resourceVersion), when the write succeeded
 * @param message a human-readable reason for failures, else empty
 */
public record WriteResult(Status status, KubernetesObject object, String message) {

  /** Outcome classes the write-back cache acts on. */
  public enum Status {
    /** Written. */
    OK,
    /** A create found the object already there: success for idempotent creates. */
    ALREADY_EXISTS,
    /** The resourceVersion precondition failed: re-read and retry. */
    CONFLICT,
    /** The object (or its namespace) does not exist. */
    NOT_FOUND,
    /** A transient failure (timeout, 5xx, 429): retry with backoff. */
    RETRYABLE_FAILURE,
    /** A permanent failure (4xx other than the above): give up on this write and report it. */
    FAILED
  }

  public WriteResult {
    Objects.requireNonNull(status, "status");
    message = message == null ? "" : message;
  }

  public static WriteResult ok(KubernetesObject stored) {
    return new WriteResult(Status.OK, stored, "");
  }

  public static WriteResult of(Status status, String message) {
    return new WriteResult(status, null, message);
  }

  /** Whether the write-back may consider the object persisted. */
  public boolean isSuccess() {
    return status == Status.OK || status == Status.ALREADY_EXISTS;
  }
}
