package io.kubedirect.examples.faas.common;

import static io.kubedirect.examples.faas.common.TestPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.models.V1Pod;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScaleDownOrderTest {

  private static final OffsetDateTime OLD =
      OffsetDateTime.of(2026, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC);
  private static final OffsetDateTime NEW = OLD.plusHours(1);

  @Test
  void unscheduledThenNotReadyThenNewestGoFirst() {
    List<V1Pod> pods =
        List.of(
            pod("ready-old", "n", true, OLD),
            pod("ready-new", "n", true, NEW),
            pod("pending", "n", false, OLD),
            pod("unscheduled", null, false, OLD));
    assertThat(ScaleDownOrder.victims(pods, 4))
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("unscheduled", "pending", "ready-new", "ready-old");
    assertThat(ScaleDownOrder.victims(pods, 1))
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("unscheduled");
  }

  @Test
  void countLargerThanCandidatesReturnsAll() {
    assertThat(ScaleDownOrder.victims(List.of(pod("a", "n", true, OLD)), 5)).hasSize(1);
    assertThat(ScaleDownOrder.victims(List.of(), 0)).isEmpty();
  }
}
