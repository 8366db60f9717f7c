package io.kubedirect.examples.knative.autoscaler.scaling;

import static io.kubedirect.examples.knative.autoscaler.KpaCases.bool;
import static io.kubedirect.examples.knative.autoscaler.KpaCases.num;
import static io.kubedirect.examples.knative.autoscaler.KpaCases.str;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.kubedirect.examples.knative.autoscaler.KpaCases;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.aggregation.GoTime;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricClient;
import io.kubedirect.examples.knative.autoscaler.metrics.MetricUnavailableException;
import java.time.Duration;
import java.time.Instant;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the decider cases transcribed from Knative's {@code autoscaler_test.go} (resources {@code
 * kpa/decider}) and, with {@code -Dkpa.cases.dir=DIR}, every decider case in {@code DIR/*.json}.
 * Step times are seconds after a fixed start instant ({@link #START}); the decider is constructed
 * at that instant.
 */
class KpaDeciderCasesTest {

  /**
   * The fixed start instant (an even Unix second, so 2-second delay-window slots start at t = 0).
   * Not Go's zero time: a panic entered at exactly the zero time would read as "not in panic", as
   * it would in Go.
   */
  static final Instant START = Instant.ofEpochSecond(1_700_000_000L);

  private static final RevisionKey KEY =
      new RevisionKey("in-this-namespace", "a-revision-to-scale");

  @TestFactory
  Stream<DynamicTest> deciderCases() {
    var cases = KpaCases.load("kpa/decider", "decider");
    assertThat(cases).isNotEmpty();
    return cases.stream()
        .map(c -> DynamicTest.dynamicTest(c.id() + " [" + c.file() + "]", () -> run(c.json())));
  }

  static DeciderSpec spec(JsonObject s, DeciderSpec base) {
    DeciderSpec.Builder b = base.toBuilder();
    if (s.has("ScalingMetric")) b.scalingMetric(str(s, "ScalingMetric", ""));
    if (s.has("TargetValue")) b.targetValue(num(s, "TargetValue", 0));
    if (s.has("TotalValue")) b.totalValue(num(s, "TotalValue", 0));
    if (s.has("TargetBurstCapacity")) b.targetBurstCapacity(num(s, "TargetBurstCapacity", 0));
    if (s.has("ActivatorCapacity")) b.activatorCapacity(num(s, "ActivatorCapacity", 0));
    if (s.has("PanicThreshold")) b.panicThreshold(num(s, "PanicThreshold", 0));
    if (s.has("MaxScaleUpRate")) b.maxScaleUpRate(num(s, "MaxScaleUpRate", 0));
    if (s.has("MaxScaleDownRate")) b.maxScaleDownRate(num(s, "MaxScaleDownRate", 0));
    if (s.has("StableWindowS")) b.stableWindow(seconds(num(s, "StableWindowS", 0)));
    if (s.has("ScaleDownDelayS")) b.scaleDownDelay(seconds(num(s, "ScaleDownDelayS", 0)));
    if (s.has("InitialScale")) b.initialScale((int) num(s, "InitialScale", 0));
    if (s.has("Reachable")) b.reachable(bool(s, "Reachable", false));
    if (s.has("ActivationScale")) b.activationScale((int) num(s, "ActivationScale", 0));
    return b.build();
  }

  private static Duration seconds(double s) {
    return Duration.ofNanos(Math.round(s * 1e9));
  }

  private static void run(JsonObject c) {
    DeciderSpec spec = spec(c.getAsJsonObject("spec"), DeciderSpec.builder().build());
    FakePods pods = new FakePods();
    JsonElement ctor = c.get("readyCountAtConstruction");
    pods.fail = ctor != null && ctor.isJsonNull();
    pods.ready = pods.fail || ctor == null ? 0 : ctor.getAsInt();
    FakeMetrics metrics = new FakeMetrics();
    Decider decider = new Decider(KEY, spec, metrics, pods, START);
    if (c.has("initialState")) {
      JsonObject init = c.getAsJsonObject("initialState");
      Instant panicTime =
          init.has("panicTimeOffsetS")
              ? START.plus(seconds(num(init, "panicTimeOffsetS", 0)))
              : GoTime.ZERO;
      decider.setPanicState(panicTime, (int) num(init, "maxPanicPods", 0));
    }
    if (!c.has("steps")) {
      return;
    }
    int n = 0;
    for (JsonElement e : c.getAsJsonArray("steps")) {
      JsonObject step = e.getAsJsonObject();
      n++;
      if (step.has("specUpdateBefore")) {
        JsonObject u = step.getAsJsonObject("specUpdateBefore");
        decider.update(
            u.has("replace")
                ? spec(u.getAsJsonObject("replace"), DeciderSpec.builder().build())
                : spec(u, decider.spec()));
      }
      boolean error = step.has("error") && !step.get("error").isJsonNull();
      JsonElement ready = step.get("readyCount");
      pods.fail = error && ready != null && ready.isJsonNull();
      if (ready != null && !ready.isJsonNull()) {
        pods.ready = ready.getAsInt();
      }
      metrics.fail = error && !pods.fail;
      metrics.stable = num(step, "observedStable", metrics.stable);
      metrics.panic = num(step, "observedPanic", metrics.panic);

      ScaleResult got = decider.scale(START.plus(seconds(num(step, "t", 0))));

      JsonObject want = step.getAsJsonObject("expect");
      String at = "step " + n + " (t=" + num(step, "t", 0) + ")";
      boolean valid = bool(want, "valid", true);
      assertThat(got.scaleValid()).as(at + " valid").isEqualTo(valid);
      if (!valid) {
        continue;
      }
      if (want.has("desiredPodCount")) {
        assertThat(got.desiredPodCount())
            .as(at + " desiredPodCount")
            .isEqualTo((int) num(want, "desiredPodCount", 0));
      }
      if (want.has("excessBurstCapacity")) {
        assertThat(got.excessBurstCapacity())
            .as(at + " excessBurstCapacity")
            .isEqualTo((int) num(want, "excessBurstCapacity", 0));
      }
      if (want.has("inPanic") && !want.get("inPanic").isJsonNull()) {
        assertThat(decider.inPanic()).as(at + " inPanic").isEqualTo(bool(want, "inPanic", false));
      }
    }
  }

  static final class FakePods implements PodCounter {
    int ready;
    boolean fail;

    @Override
    public int readyCount() throws PodCountException {
      if (fail) {
        throw new PodCountException("injected failure", false);
      }
      return ready;
    }
  }

  static final class FakeMetrics implements MetricClient {
    double stable;
    double panic;
    boolean fail;

    @Override
    public WindowValues stableAndPanicConcurrency(RevisionKey key, Instant now)
        throws MetricUnavailableException {
      return values();
    }

    @Override
    public WindowValues stableAndPanicRps(RevisionKey key, Instant now)
        throws MetricUnavailableException {
      return values();
    }

    private WindowValues values() throws MetricUnavailableException {
      if (fail) {
        throw new MetricUnavailableException(
            MetricUnavailableException.Reason.NO_DATA, "injected failure");
      }
      return new WindowValues(stable, panic);
    }
  }
}
