package io.kubedirect.runtime.internal.store;

/** Why an ephemeral object left the store. */
public enum RemovalReason {
  /** The producer deleted it (a DELETED change over the link). */
  DELETED,
  /** The producer's handshake said it is stale, or it moved to another consumer. */
  RETRACTED,
  /** Its API Server copy appeared: the API copy wins, informers see that copy instead. */
  PERSISTED,
  /** This stage deleted it itself. */
  LOCAL,
  /** The persisted store rejected it for good (e.g. admission): it will never be persisted. */
  REJECTED,
  /**
   * A subscriber stopped showing what a publisher sent: the publisher's link stayed down past the
   * fallback deadline (what it published may be gone with it; the API copy, if any, stays visible).
   */
  WITHDRAWN
}
