package io.kubedirect.examples.faas.activator;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The ready endpoints of each function, kept per pod so that one pod event costs one pod's work
 * (plus a copy of the function's set when it changed). Recomputing the set from every pod on each
 * event made a burst of N pods cost O(N^2) in the activator and starved the API Server of CPU
 * (docs/benchmarks.md, "What bounds the pods workload"). Not thread-safe.
 */
final class ReadyEndpoints {

  private final Map<RevisionKey, Map<String, SandboxEndpoint>> byFunction = new HashMap<>();

  /**
   * Records that pod {@code podKey} of {@code function} is now {@code endpoint} (null: not a ready
   * sandbox of it, or gone) and returns the function's new set if that changed it.
   */
  Optional<Set<SandboxEndpoint>> apply(
      RevisionKey function, String podKey, SandboxEndpoint endpoint) {
    Map<String, SandboxEndpoint> endpoints = byFunction.get(function);
    SandboxEndpoint before = endpoints == null ? null : endpoints.get(podKey);
    if (Objects.equals(before, endpoint)) {
      return Optional.empty();
    }
    if (endpoint == null) {
      endpoints.remove(podKey);
      if (endpoints.isEmpty()) {
        byFunction.remove(function);
        return Optional.of(Set.of());
      }
    } else {
      endpoints = byFunction.computeIfAbsent(function, f -> new HashMap<>());
      endpoints.put(podKey, endpoint);
    }
    return Optional.of(Set.copyOf(endpoints.values()));
  }

  /** Forgets every function. */
  void clear() {
    byFunction.clear();
  }
}
