package io.kubedirect.examples.knative.autoscaler.aggregation;

import static io.kubedirect.examples.knative.autoscaler.KpaCases.bool;
import static io.kubedirect.examples.knative.autoscaler.KpaCases.num;
import static io.kubedirect.examples.knative.autoscaler.KpaCases.str;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubedirect.examples.knative.autoscaler.KpaCases;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricCollector;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricSpec;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricUnavailableException;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the window, max-window and collector cases transcribed from Knative's {@code
 * bucketing_test.go}, {@code max/timewindow_test.go} and {@code collector_test.go} (resources
 * {@code kpa/aggregation}).
 */
class KpaWindowCasesTest {

  private static final Instant BASE = Instant.ofEpochSecond(1_700_000_000L);
  private static final List<String> KINDS =
      List.of("window", "coeff", "round", "maxWindow", "collector");

  @TestFactory
  Stream<DynamicTest> aggregationCases() {
    return KINDS.stream()
        .flatMap(kind -> KpaCases.load("kpa/aggregation", kind).stream())
        .map(c -> DynamicTest.dynamicTest(c.id() + " [" + c.file() + "]", () -> run(c.json())));
  }

  private static Instant at(JsonObject c, double t) {
    return BASE.plusMillis((long) num(c, "startOffsetMs", 0)).plusNanos(Math.round(t * 1e9));
  }

  private static void run(JsonObject c) throws Exception {
    switch (str(c, "kind", "")) {
      case "coeff" ->
          assertThat(WeightedBuckets.smoothingCoeff(num(c, "numBuckets", 0)))
              .isCloseTo(num(c, "expect", 0), within(num(c, "tolerance", 0)));
      case "round" ->
          assertThat(GoTime.roundToDigits((int) num(c, "digits", 0), num(c, "value", 0)))
              .isEqualTo(num(c, "expect", 0));
      case "maxWindow" -> {
        MaxTimeWindow w =
            new MaxTimeWindow(
                Duration.ofSeconds((long) num(c, "durationS", 0)),
                Duration.ofSeconds((long) num(c, "granularityS", 0)));
        for (JsonElement r : c.getAsJsonArray("records")) {
          w.record(
              at(c, r.getAsJsonArray().get(0).getAsDouble()), r.getAsJsonArray().get(1).getAsInt());
        }
        assertThat(w.current()).isEqualTo((int) num(c, "expect", 0));
      }
      case "window" -> runWindow(c);
      default -> runCollector(c);
    }
  }

  private static void runWindow(JsonObject c) {
    Duration window = Duration.ofSeconds((long) num(c, "windowS", 0));
    Duration gran = Duration.ofSeconds((long) num(c, "granularityS", 0));
    boolean weighted = str(c, "algorithm", "linear").equals("weighted");
    // Knative's tests with 1 s granularity start at time.Now(); the 3 s and 5 s ones truncate it
    // first.
    TimedBuckets b = weighted ? new WeightedBuckets(window, gran) : new TimedBuckets(window, gran);
    int n = 0;
    for (JsonElement e : c.getAsJsonArray("ops")) {
      JsonObject op = e.getAsJsonObject();
      String as = "op " + (++n) + " " + op;
      Instant t = at(c, num(op, "t", 0));
      switch (str(op, "op", "")) {
        case "record" -> b.record(t, num(op, "v", 0));
        case "average" -> {
          double got = b.windowAverage(t);
          if (op.has("roundDigits")) {
            got = GoTime.roundToDigits((int) num(op, "roundDigits", 0), got);
          }
          double want = num(op, "expect", 0);
          if (weighted && !op.has("roundDigits")) {
            assertThat(got).as(as).isCloseTo(want, within(Math.abs(want) * 1e-9 + 1e-12));
          } else {
            assertThat(got).as(as).isEqualTo(want);
          }
        }
        case "sum" -> assertThat(b.bucketSum(t)).as(as).isEqualTo(num(op, "expect", 0));
        case "empty" -> assertThat(b.isEmpty(t)).as(as).isEqualTo(bool(op, "expect", false));
        case "resize" -> b.resizeWindow(Duration.ofSeconds((long) num(op, "windowS", 0)), t);
        case "size" -> assertThat(b.size()).as(as).isEqualTo((int) num(op, "expect", 0));
        case "coeff" ->
            assertThat(((WeightedBuckets) b).smoothingCoeff())
                .as(as)
                .isCloseTo(num(op, "expect", 0), within(1e-12));
        default -> throw new IllegalArgumentException("unknown op " + op);
      }
    }
  }

  private static void runCollector(JsonObject c) throws Exception {
    RevisionKey key = new RevisionKey("test-namespace", "test-revision");
    MetricCollector collector = new MetricCollector();
    collector.createOrUpdate(
        key,
        new MetricSpec(
            Duration.ofSeconds((long) num(c, "stableWindowS", 0)),
            Duration.ofSeconds((long) num(c, "panicWindowS", 0)),
            MetricSpec.Aggregation.LINEAR,
            bool(c, "hasScrapeTarget", true)),
        at(c, 0));
    for (JsonElement e : c.getAsJsonArray("ops")) {
      JsonObject op = e.getAsJsonObject();
      Instant t = at(c, num(op, "t", 0));
      switch (str(op, "op", "")) {
        case "delete" -> collector.delete(key);
        case "record" -> {
          JsonObject s = op.getAsJsonObject("stat");
          collector.record(
              key,
              t,
              new Stat(
                  "testPod",
                  num(s, "averageConcurrentRequests", 0),
                  num(s, "averageProxiedConcurrentRequests", 0),
                  num(s, "requestCount", 0),
                  num(s, "proxiedRequestCount", 0)));
        }
        case "values" -> {
          boolean rps = str(op, "metric", "concurrency").equals("rps");
          if (op.has("expectError")) {
            assertThatThrownBy(() -> values(collector, key, t, rps))
                .isInstanceOfSatisfying(
                    MetricUnavailableException.class,
                    ex -> assertThat(ex.reason().name()).isEqualTo(str(op, "expectError", "")));
          } else {
            var v = values(collector, key, t, rps);
            assertThat(v.stable())
                .as("stable " + op)
                .isCloseTo(num(op, "expectStable", 0), within(1e-3));
            assertThat(v.panic())
                .as("panic " + op)
                .isCloseTo(num(op, "expectPanic", 0), within(1e-3));
          }
        }
        default -> throw new IllegalArgumentException("unknown op " + op);
      }
    }
  }

  private static io.kubedirect.examples.knative.autoscaler.metrics.MetricClient.WindowValues values(
      MetricCollector collector, RevisionKey key, Instant t, boolean rps)
      throws MetricUnavailableException {
    return rps ? collector.stableAndPanicRps(key, t) : collector.stableAndPanicConcurrency(key, t);
  }
}
