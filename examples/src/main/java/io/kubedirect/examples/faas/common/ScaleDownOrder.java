package io.kubedirect.examples.faas.common;

import io.kubernetes.client.openapi.models.V1Pod;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Which pods to delete first when a ReplicaSet scales down, in the spirit of the real controller:
 * unscheduled before scheduled, not-ready before ready, newer before older, then by name
 * (deterministic).
 */
public final class ScaleDownOrder {

  private static final Comparator<V1Pod> ORDER =
      Comparator.comparing((V1Pod p) -> Pods.nodeName(p) != null)
          .thenComparing(Pods::isReady)
          .thenComparing(
              ScaleDownOrder::created,
              Comparator.nullsFirst(Comparator.<OffsetDateTime>reverseOrder()))
          .thenComparing(p -> p.getMetadata().getName());

  private ScaleDownOrder() {}

  /**
   * The {@code count} pods to delete from {@code candidates}.
   *
   * @throws IllegalArgumentException if {@code count} is negative
   */
  public static List<V1Pod> victims(List<V1Pod> candidates, int count) {
    if (count < 0) {
      throw new IllegalArgumentException("count must be >= 0");
    }
    List<V1Pod> sorted = new ArrayList<>(candidates);
    sorted.sort(ORDER);
    return sorted.subList(0, Math.min(count, sorted.size()));
  }

  private static OffsetDateTime created(V1Pod p) {
    return p.getMetadata().getCreationTimestamp();
  }
}
