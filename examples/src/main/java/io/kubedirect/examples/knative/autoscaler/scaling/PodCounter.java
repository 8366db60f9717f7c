package io.kubedirect.examples.knative.autoscaler.scaling;

/**
 * Counts a revision's ready pods (Knative's {@code podCounter}, backed by a pod informer there).
 */
@FunctionalInterface
public interface PodCounter {

  /** The number of ready pods. */
  int readyCount() throws PodCountException;

  /**
   * The count is unavailable; {@link #notFound()} counts as 0 pods, anything else makes the tick
   * invalid.
   */
  final class PodCountException extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean notFound;

    /** A failure; {@code notFound} if the pods' owner does not exist (yet). */
    public PodCountException(String message, boolean notFound) {
      super(message, null, false, false);
      this.notFound = notFound;
    }

    /** True if this means "no such object" (Knative's {@code apierrors.IsNotFound}). */
    public boolean notFound() {
      return notFound;
    }
  }
}
