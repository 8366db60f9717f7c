package io.kubedirect.examples.knative.autoscaler.kpa;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;

/**
 * Checks that the activator is in the revision's path before the last pods go (Knative probes the
 * public service with {@code K-Network-Probe: activator} and expects 200 and body {@code
 * activator}).
 */
public interface ActivatorProbe {

  /** A synchronous probe: true if the activator answers for {@code revision}. */
  boolean probe(RevisionKey revision) throws Exception;

  /**
   * Starts an asynchronous probe (every 1 s, up to 45 s) that re-enqueues the revision when done.
   */
  void offerAsync(RevisionKey revision);

  /** A probe that always succeeds (for a chain where the activator is known to be in the path). */
  static ActivatorProbe alwaysInPath() {
    return new ActivatorProbe() {
      @Override
      public boolean probe(RevisionKey revision) {
        return true;
      }

      @Override
      public void offerAsync(RevisionKey revision) {}
    };
  }
}
