package io.kubedirect.runtime.internal.engine;

import io.kubedirect.protocol.v1.ObjectRef;

/**
 * Decides, during a handshake, whether an object a downstream holds but this (restarted) upstream
 * does not track is adopted (kept and tracked as dirty again) or retracted.
 */
@FunctionalInterface
public interface AdoptionPolicy {

  /**
   * Whether to adopt {@code held}, which the downstream at {@code destination} holds.
   *
   * @param locallyKnown whether this stage still knows the object: a relay still has it as an input
   *     (its ephemeral store holds it, so its reconcile still wants an output for it), or a head
   *     stage (the kind's origin: it emits the kind without receiving it) got its content in the
   *     snapshot, so its informers show it and its own reconcile keeps or deletes it
   */
  boolean adopt(String destination, ObjectRef held, boolean locallyKnown);

  /**
   * Adopt exactly what this stage still knows locally (the default; see {@code locallyKnown}
   * above).
   */
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
