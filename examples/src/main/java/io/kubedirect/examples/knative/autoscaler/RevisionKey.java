package io.kubedirect.examples.knative.autoscaler;

import java.util.Objects;

/**
 * Namespace and name of a revision (a function): Knative's {@code types.NamespacedName} for
 * deciders and metrics.
 */
public record RevisionKey(String namespace, String name) {

  /** Validates that both parts are non-empty. */
  public RevisionKey {
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(name, "name");
    if (namespace.isEmpty() || name.isEmpty()) {
      throw new IllegalArgumentException("namespace and name must be non-empty");
    }
  }

  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
