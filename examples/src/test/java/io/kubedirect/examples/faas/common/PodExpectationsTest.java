package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PodExpectationsTest {

  private final AtomicLong clock = new AtomicLong();
  private final PodExpectations exp = new PodExpectations(Duration.ofSeconds(10), clock::get);

  @Test
  void pendingCreatesCountUntilTheInformerShowsThem() {
    exp.expectCreate("ns/rs", "p1");
    exp.expectCreate("ns/rs", "p2");
    assertThat(exp.effective("ns/rs", List.of(), List.of())).containsExactlyInAnyOrder("p1", "p2");
    // informer now shows p1: still two pods, one pending
    assertThat(exp.effective("ns/rs", List.of("p1"), List.of("p1")))
        .containsExactlyInAnyOrder("p1", "p2");
    assertThat(exp.pendingCreates("ns/rs")).isEqualTo(1);
    assertThat(exp.isPendingCreate("p2")).isTrue();
    assertThat(exp.isPendingCreate("p1")).isFalse();
  }

  @Test
  void pendingDeletesDoNotCountWhileThePodIsStillActive() {
    exp.expectDelete("ns/rs", "p1");
    Set<String> eff = exp.effective("ns/rs", List.of("p1", "p2"), List.of("p1", "p2"));
    assertThat(eff).containsExactly("p2");
    // p1 terminating (known, not active): the delete is settled
    assertThat(exp.effective("ns/rs", List.of("p1", "p2"), List.of("p2"))).containsExactly("p2");
  }

  @Test
  void failedWritesAreForgotten() {
    exp.expectCreate("ns/rs", "p1");
    exp.createFailed("ns/rs", "p1");
    exp.expectDelete("ns/rs", "p2");
    exp.deleteFailed("ns/rs", "p2");
    assertThat(exp.effective("ns/rs", List.of("p2"), List.of("p2"))).containsExactly("p2");
  }

  @Test
  void expectationsExpireAfterTheTtl() {
    exp.expectCreate("ns/rs", "lost");
    clock.addAndGet(Duration.ofSeconds(11).toNanos());
    assertThat(exp.effective("ns/rs", List.of(), List.of())).isEmpty();
  }

  @Test
  void forgetDropsAnOwner() {
    exp.expectCreate("ns/rs", "p1");
    exp.forget("ns/rs");
    assertThat(exp.pendingCreates("ns/rs")).isZero();
  }
}
