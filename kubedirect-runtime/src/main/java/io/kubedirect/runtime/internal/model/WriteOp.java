package io.kubedirect.runtime.internal.model;

/** A write a controller asks for. */
public enum WriteOp {
  /** Create. */
  CREATE,
  /** Replace spec/metadata. */
  UPDATE,
  /** Replace the status subresource. */
  UPDATE_STATUS,
  /** Delete. */
  DELETE
}
