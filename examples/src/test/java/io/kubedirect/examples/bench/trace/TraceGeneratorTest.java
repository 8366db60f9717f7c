package io.kubedirect.examples.bench.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class TraceGeneratorTest {

  @Test
  void theSameSeedGivesTheSameTraceAndAnotherSeedAnotherOne() {
    Trace a = TraceGenerator.generate(TraceSpec.shortPreset(7));
    Trace b = TraceGenerator.generate(TraceSpec.shortPreset(7));
    Trace c = TraceGenerator.generate(TraceSpec.shortPreset(8));
    assertThat(b).isEqualTo(a);
    assertThat(c.invocations()).isNotEqualTo(a.invocations());
  }

  @Test
  void everyFunctionIsInvokedInTimeOrderWithinTheTrace() {
    for (long seed = 1; seed <= 10; seed++) {
      Trace t = TraceGenerator.generate(TraceSpec.shortPreset(seed));
      assertThat(t.functions()).hasSize(30);
      assertThat(t.countsPerFunction().values()).allMatch(n -> n >= 1);
      assertThat(t.invocations())
          .isSortedAccordingTo(Comparator.comparingLong(Trace.Invocation::atMs))
          .allSatisfy(i -> assertThat(i.atMs()).isBetween(0L, t.durationMs() - 1));
      Map<String, Integer> exec =
          t.functions().stream()
              .collect(Collectors.toMap(Trace.Function::name, Trace.Function::executionMs));
      assertThat(t.invocations()).allMatch(i -> exec.get(i.function()) == i.executionMs());
      assertThat(exec.keySet()).allMatch(n -> n.matches("fn-\\d{3}"));
    }
  }

  @Test
  void theShortPresetIsCiSizedAndTheLongOneIsLarger() {
    for (long seed = 1; seed <= 20; seed++) {
      int requests = TraceGenerator.generate(TraceSpec.shortPreset(seed)).invocations().size();
      assertThat(requests).as("short, seed " + seed).isBetween(150, 2_500);
    }
    Trace long12 = TraceGenerator.generate(TraceSpec.longPreset(TraceSpec.DEFAULT_SEED));
    assertThat(long12.functions()).hasSize(200);
    assertThat(long12.spec().minutes()).isGreaterThanOrEqualTo(10);
    assertThat(long12.warmupMs()).isPositive();
    assertThat(long12.invocations().size()).isBetween(5_000, 20_000);
  }

  @Test
  void popularityIsHeavyTailed() {
    Trace t = TraceGenerator.generate(TraceSpec.longPreset(3));
    List<Integer> counts = new ArrayList<>(t.countsPerFunction().values());
    counts.sort(Collections.reverseOrder());
    int total = counts.stream().mapToInt(Integer::intValue).sum();
    int top10 = counts.subList(0, counts.size() / 10).stream().mapToInt(Integer::intValue).sum();
    int median = counts.get(counts.size() / 2);
    // A few functions take most invocations; the typical function is invoked rarely.
    assertThat(top10).as("share of the top 10% of functions").isGreaterThan(total * 2 / 5);
    assertThat(counts.get(0)).as("most popular vs median").isGreaterThan(20 * median);
    assertThat(median).as("median invocations per function").isLessThan(5 * 12);
  }

  @Test
  void minutesAreBurstyAndSomeFunctionsIdleForMinutes() {
    Trace t = TraceGenerator.generate(TraceSpec.longPreset(5));
    Map<String, int[]> perMinute = new java.util.HashMap<>();
    for (Trace.Invocation i : t.invocations()) {
      perMinute.computeIfAbsent(i.function(), k -> new int[12])[(int) (i.atMs() / 60_000)]++;
    }
    long functionsWithAnIdleMinute =
        perMinute.values().stream()
            .filter(m -> java.util.Arrays.stream(m).anyMatch(n -> n == 0))
            .count();
    assertThat(functionsWithAnIdleMinute).isGreaterThan(100);
    // Bursts: some function has a minute at 3x or more of its median minute (when that is >= 5).
    boolean burst =
        perMinute.values().stream()
            .anyMatch(
                m -> {
                  int[] sorted = m.clone();
                  java.util.Arrays.sort(sorted);
                  int med = sorted[6];
                  return med >= 5 && sorted[11] >= 3 * med;
                });
    assertThat(burst).isTrue();
  }

  @Test
  void interArrivalsWithinAMinuteLookExponential() {
    // The busiest function of a trace with no bursts or idle minutes: gaps have a coefficient of
    // variation near 1 (exponential), unlike evenly spaced arrivals (0).
    TraceSpec steady = new TraceSpec("steady", 3, 5, 10, 0, 100, 0, 300, 0, 1, 0, 100, 0, 100, 100);
    Trace t = TraceGenerator.generate(steady);
    List<Long> at =
        t.invocations().stream()
            .filter(i -> i.function().equals("fn-000"))
            .map(Trace.Invocation::atMs)
            .toList();
    assertThat(at.size()).isBetween(800, 1_200);
    double[] gaps = new double[at.size() - 1];
    for (int i = 1; i < at.size(); i++) {
      gaps[i - 1] = at.get(i) - at.get(i - 1);
    }
    double mean = java.util.Arrays.stream(gaps).average().orElseThrow();
    double sd =
        Math.sqrt(
            java.util.Arrays.stream(gaps)
                .map(g -> (g - mean) * (g - mean))
                .average()
                .orElseThrow());
    assertThat(sd / mean).isBetween(0.8, 1.2);
    assertThat(mean).isBetween(500.0, 700.0); // 100 per minute
  }

  @Test
  void executionTimesAreLogNormalWithinTheBounds() {
    Trace t = TraceGenerator.generate(TraceSpec.longPreset(9));
    List<Integer> exec = t.functions().stream().map(Trace.Function::executionMs).sorted().toList();
    assertThat(exec).allSatisfy(e -> assertThat(e).isBetween(5, 3_000));
    int median = exec.get(exec.size() / 2);
    assertThat(median).isBetween(100, 225); // spec median 150 ms
    assertThat(exec.get(exec.size() - 1)).as("longest").isGreaterThan(5 * median);
    assertThat(exec.get(0)).as("shortest").isLessThan(median / 5);
    assertThat(Set.copyOf(exec).size()).isGreaterThan(100);
  }

  @Test
  void badSpecsAreRefusedWithTheReason() {
    assertThatThrownBy(() -> new TraceSpec("x", 1, 0, 2, 0, 3, 1, 10, 0, 1, 0, 100, 1, 5, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("functions must be 1..1000");
    assertThatThrownBy(() -> new TraceSpec("x", 1, 3, 2, 2, 3, 1, 10, 0, 1, 0, 100, 1, 5, 10))
        .hasMessageContaining("warmupMinutes must be 0..1");
    assertThatThrownBy(() -> TraceSpec.preset("medium", 1))
        .hasMessageContaining("unknown trace preset 'medium'");
  }
}
