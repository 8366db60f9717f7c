package io.kubedirect.examples.faas.sandbox;

import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;

/**
 * How a simulated sandbox of a function behaves: how long it takes to answer a request, how many
 * requests it runs at once, and how long it takes to start. Set per function with annotations on
 * the pod template (the ReplicaSet controller copies them onto every pod); a missing or unparsable
 * annotation keeps the default.
 *
 * @param serviceTime time to answer one request once it runs (the sandbox schedules the answer;
 *     nothing sleeps)
 * @param containerConcurrency requests run at once (Knative's {@code containerConcurrency}); 0 =
 *     unlimited. Excess requests wait in the sandbox, as in Knative's queue-proxy; the activator
 *     sends at most this many
 * @param coldStart time from "start the sandbox" until it serves and the pod may be reported Ready
 */
public record SandboxSpec(Duration serviceTime, int containerConcurrency, Duration coldStart) {

  /** Annotation: service time in milliseconds (integer >= 0). */
  public static final String SERVICE_TIME_ANNOTATION = "faas.kubedirect.io/service-time-ms";

  /** Annotation: container concurrency (integer >= 0; 0 = unlimited). */
  public static final String CONTAINER_CONCURRENCY_ANNOTATION =
      "faas.kubedirect.io/container-concurrency";

  /** Annotation: cold-start delay in milliseconds (integer >= 0). */
  public static final String COLD_START_ANNOTATION = "faas.kubedirect.io/cold-start-ms";

  /**
   * Service time 0, unlimited concurrency, cold start 200 ms (the KubeDirect artifact's ready-after
   * delay).
   */
  public static final SandboxSpec DEFAULTS =
      new SandboxSpec(Duration.ZERO, 0, Duration.ofMillis(200));

  /** Validates the values. */
  public SandboxSpec {
    Objects.requireNonNull(serviceTime, "serviceTime");
    Objects.requireNonNull(coldStart, "coldStart");
    if (serviceTime.isNegative() || coldStart.isNegative() || containerConcurrency < 0) {
      throw new IllegalArgumentException(
          "service time, cold start and container concurrency must be >= 0");
    }
  }

  /** This spec with the overrides that {@code pod}'s annotations carry. */
  public SandboxSpec forPod(V1Pod pod) {
    Map<String, String> a = pod.getMetadata() == null ? null : pod.getMetadata().getAnnotations();
    if (a == null || a.isEmpty()) {
      return this;
    }
    return new SandboxSpec(
        Duration.ofMillis(number(a.get(SERVICE_TIME_ANNOTATION), serviceTime.toMillis())),
        (int)
            Math.min(
                Integer.MAX_VALUE,
                number(a.get(CONTAINER_CONCURRENCY_ANNOTATION), containerConcurrency)),
        Duration.ofMillis(number(a.get(COLD_START_ANNOTATION), coldStart.toMillis())));
  }

  /** The container concurrency of {@code pod} (its annotation, else 0 = unlimited). */
  public static int containerConcurrency(V1Pod pod) {
    return DEFAULTS.forPod(pod).containerConcurrency();
  }

  private static long number(String value, long fallback) {
    if (value == null) {
      return fallback;
    }
    try {
      long v = Long.parseLong(value.trim());
      return v < 0 ? fallback : v;
    } catch (NumberFormatException e) {
      return fallback;
    }
  }
}
