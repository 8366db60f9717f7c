package io.kubedirect.examples.knative.autoscaler.config;

/**
 * Knative's PodAutoscaler reachability: whether any route targets the revision. Unknown counts as
 * reachable.
 */
public enum Reachability {
  /** A route sends traffic to the revision. */
  REACHABLE,
  /** No route targets the revision (e.g. an old revision kept in reserve): min-scale is ignored. */
  UNREACHABLE,
  /** Not known yet; treated as reachable. */
  UNKNOWN;

  /** True unless {@link #UNREACHABLE}. */
  public boolean reachable() {
    return this != UNREACHABLE;
  }
}
