package io.kubedirect.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DeterministicTaskSchedulerTest {

  @Test
  void runsTasksInTimeOrderAndAdvancesTheVirtualClock() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(1);
    List<String> ran = new ArrayList<>();
    long start = s.nanoTime();
    s.schedule(() -> ran.add("c@" + (s.nanoTime() - start)), Duration.ofMillis(30));
    s.schedule(() -> ran.add("a@" + (s.nanoTime() - start)), Duration.ofMillis(10));
    s.schedule(() -> ran.add("b@" + (s.nanoTime() - start)), Duration.ofMillis(20));

    assertThat(ran).isEmpty();
    assertThat(s.runUntilIdle()).isEqualTo(3);
    assertThat(ran).containsExactly("a@10000000", "b@20000000", "c@30000000");
    assertThat(s.nanoTime() - start).isEqualTo(30_000_000L);
  }

  @Test
  void sameInstantOrderDependsOnTheSeedAndReplays() {
    Set<List<Integer>> orders = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      List<Integer> first = sameInstantOrder(seed);
      assertThat(sameInstantOrder(seed)).as("seed %d replays", seed).isEqualTo(first);
      orders.add(first);
    }
    assertThat(orders).hasSizeGreaterThan(5);
  }

  private static List<Integer> sameInstantOrder(long seed) {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(seed);
    List<Integer> ran = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int n = i;
      s.execute(() -> ran.add(n));
    }
    s.runUntilIdle();
    return ran;
  }

  @Test
  void runForStopsAtTheHorizonAndCancelledTasksNeverRun() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(7);
    List<String> ran = new ArrayList<>();
    s.schedule(() -> ran.add("early"), Duration.ofMillis(5));
    s.schedule(() -> ran.add("late"), Duration.ofMillis(50));
    s.schedule(() -> ran.add("cancelled"), Duration.ofMillis(1)).cancel();
    long start = s.nanoTime();

    s.runFor(Duration.ofMillis(10));

    assertThat(ran).containsExactly("early");
    assertThat(s.nanoTime() - start).isEqualTo(10_000_000L);
    assertThat(s.pendingTasks()).isEqualTo(1);
    s.advanceTo(start + 50_000_000L);
    assertThat(ran).containsExactly("early", "late");
    assertThat(s.pendingTasks()).isZero();
  }

  @Test
  void aFailingTaskIsRecordedAndTheRunGoesOn() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(3);
    List<String> ran = new ArrayList<>();
    s.execute(
        () -> {
          throw new IllegalStateException("boom");
        });
    s.schedule(() -> ran.add("after"), Duration.ofMillis(1));
    s.runUntilIdle();
    assertThat(ran).containsExactly("after");
    assertThat(s.errors()).singleElement().satisfies(e -> assertThat(e).hasMessage("boom"));
  }

  @Test
  void runUntilIdleRefusesToSpinForeverOnAPeriodicTask() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(3, 1000);
    Runnable[] tick = new Runnable[1];
    tick[0] = () -> s.schedule(tick[0], Duration.ofMillis(1));
    s.execute(tick[0]);
    assertThatThrownBy(s::runUntilIdle)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("not idle");
    // runFor still works with a periodic task: 100 ticks in 100 ms.
    long before = s.tasksExecuted();
    s.runFor(Duration.ofMillis(100));
    assertThat(s.tasksExecuted() - before).isBetween(99L, 101L);
  }

  @Test
  void tasksThatRescheduleEachOtherWithoutDelayAreALivelock() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(3).maxTasksPerInstant(500);
    Runnable[] spin = new Runnable[1];
    spin[0] = () -> s.execute(spin[0]);
    s.schedule(spin[0], Duration.ofMillis(5));
    assertThatThrownBy(() -> s.runFor(Duration.ofSeconds(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("livelock");
    // The same number of tasks spread over time is fine.
    DeterministicTaskScheduler t = new DeterministicTaskScheduler(3).maxTasksPerInstant(500);
    Runnable[] tick = new Runnable[1];
    int[] n = new int[1];
    tick[0] =
        () -> {
          if (++n[0] < 2000) {
            t.schedule(tick[0], Duration.ofNanos(1));
          }
        };
    t.execute(tick[0]);
    t.runUntilIdle();
    assertThat(n[0]).isEqualTo(2000);
  }

  @Test
  void runUntilStopsAsSoonAsTheConditionHolds() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(3);
    int[] count = new int[1];
    for (int i = 1; i <= 10; i++) {
      s.schedule(() -> count[0]++, Duration.ofMillis(i));
    }
    assertThat(s.runUntil(() -> count[0] == 4, Duration.ofSeconds(1))).isTrue();
    assertThat(count[0]).isEqualTo(4);
    assertThat(s.runUntil(() -> count[0] == 99, Duration.ofMillis(3))).isFalse();
    assertThat(count[0]).isEqualTo(7);
  }

  @Test
  void closingAScopeDropsItsTasksOnly() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(5);
    DeterministicTaskScheduler.Scope scope = s.newScope();
    List<String> ran = new ArrayList<>();
    scope.schedule(() -> ran.add("scoped"), Duration.ofMillis(10));
    s.schedule(() -> ran.add("global"), Duration.ofMillis(10));
    assertThat(scope.pendingTasks()).isEqualTo(1);

    scope.close();
    scope.execute(() -> ran.add("after-close"));
    s.runUntilIdle();

    assertThat(ran).containsExactly("global");
    assertThat(scope.isClosed()).isTrue();
  }

  @Test
  void reentrantRunIsRejected() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(5);
    s.execute(s::runUntilIdle);
    s.runUntilIdle();
    assertThat(s.errors()).singleElement().isInstanceOf(IllegalStateException.class);
  }
}
