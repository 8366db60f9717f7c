package io.kubedirect.examples.knative.autoscaler.kpa;

/** Knative's ServerlessService operation mode: who receives the revision's traffic. */
public enum SksMode {
  /** Pods receive traffic directly. */
  SERVE,
  /** The activator receives (and buffers) traffic. */
  PROXY
}
