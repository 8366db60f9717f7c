package io.kubedirect.examples.knative.autoscaler.metrics;

/**
 * The collector cannot give values for a revision (Knative's {@code ErrNotCollecting} and {@code
 * ErrNoData}).
 */
public final class MetricUnavailableException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why no values are available. */
  public enum Reason {
    /** No collection exists for the revision. */
    NOT_COLLECTING,
    /** The stable window is empty and the revision has a scrape target. */
    NO_DATA
  }

  private final Reason reason;

  /** An exception for {@code reason}. */
  public MetricUnavailableException(Reason reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  /** Why no values are available. */
  public Reason reason() {
    return reason;
  }
}
