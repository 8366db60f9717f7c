package io.kubedirect.runtime.engine;

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
