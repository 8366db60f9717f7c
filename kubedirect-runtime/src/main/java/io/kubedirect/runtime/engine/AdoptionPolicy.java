package io.kubedirect.runtime.engine;

import io.kubedirect.protocol.v1.ObjectRef;

/**
 * Decides, during a handshake, whether an object a downstream holds but this (restarted) upstream does not
 * track is adopted (kept and tracked as dirty again) or retracted.
 */
@FunctionalInterface
public interface AdoptionPolicy {

  /**
   * Whether to adopt {@code held}, which the downstream at {@code destination} holds.
   *
   * @param locallyKnown whether this stage still has the object as an input (its ephemeral store holds it),
   *     i.e. its own reconcile still wants an output for it
   */
  boolean adopt(String destination, ObjectRef held, boolean locallyKnown);

  /** Adopt exactly what this stage still knows locally (the default). */
  static AdoptionPolicy locallyKnown() {
    return (destination, held, known) -> known;
  }

  /** Never adopt: retract everything not tracked. */
  static AdoptionPolicy never() {
    return (destination, held, known) -> false;
  }

  /** Always adopt. */
  static AdoptionPolicy always() {
    return (destination, held, known) -> true;
  }
}
