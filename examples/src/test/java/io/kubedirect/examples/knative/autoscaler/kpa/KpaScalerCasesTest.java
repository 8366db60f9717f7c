package io.kubedirect.examples.knative.autoscaler.kpa;

import static io.kubedirect.examples.knative.autoscaler.KpaCases.bool;
import static io.kubedirect.examples.knative.autoscaler.KpaCases.num;
import static io.kubedirect.examples.knative.autoscaler.KpaCases.str;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import io.kubedirect.examples.knative.autoscaler.KpaCases;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.Reachability;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs the KPA scaler cases transcribed from Knative's {@code scaler_test.go} (resources {@code
 * kpa/scaler}).
 */
class KpaScalerCasesTest {

  private static final Instant NOW = Instant.ofEpochSecond(1_700_000_000L);
  private static final RevisionKey KEY = new RevisionKey("test-namespace", "test-revision");

  /** kpa_test.go's defaultConfigMapData. */
  static Map<String, String> baseConfig() {
    Map<String, String> m = new HashMap<>();
    m.put("max-scale-up-rate", "12.0");
    m.put("container-concurrency-target-percentage", "0.5");
    m.put("container-concurrency-target-default", "10");
    m.put("stable-window", "5m0s");
    m.put("panic-window", "10s");
    m.put("scale-to-zero-grace-period", "1m0s");
    m.put("tick-interval", "2s");
    m.put("min-scale", "0");
    m.put("target-burst-capacity", "200");
    return m;
  }

  @TestFactory
  Stream<DynamicTest> scalerCases() {
    var cases = KpaCases.load("kpa/scaler", "scaler");
    assertThat(cases).isNotEmpty();
    return cases.stream()
        .map(c -> DynamicTest.dynamicTest(c.id() + " [" + c.file() + "]", () -> run(c.json())));
  }

  private static Instant at(double offsetS) {
    return NOW.plusNanos(Math.round(offsetS * 1e9));
  }

  private static void run(JsonObject c) throws Exception {
    Map<String, String> cm = baseConfig();
    if (c.has("config")) {
      c.getAsJsonObject("config")
          .entrySet()
          .forEach(e -> cm.put(e.getKey(), e.getValue().getAsString()));
    }
    AutoscalerConfig config = AutoscalerConfig.fromMap(cm);

    Map<String, String> anns = new HashMap<>();
    if (num(c, "minScale", 0) > 0)
      anns.put(RevisionAutoscaling.MIN_SCALE, String.valueOf((int) num(c, "minScale", 0)));
    if (num(c, "maxScale", 0) > 0)
      anns.put(RevisionAutoscaling.MAX_SCALE, String.valueOf((int) num(c, "maxScale", 0)));
    PodAutoscalerStatus pa = new PodAutoscalerStatus(NOW);
    Reachability reachability = Reachability.UNKNOWN;
    if (c.has("pa")) {
      JsonObject p = c.getAsJsonObject("pa");
      if (p.has("annotations")) {
        p.getAsJsonObject("annotations")
            .entrySet()
            .forEach(e -> anns.put(e.getKey(), e.getValue().getAsString()));
      }
      if (p.has("active")) {
        pa =
            new PodAutoscalerStatus(
                PodAutoscalerStatus.Active.valueOf(
                    str(p, "active", "").equals("Active")
                        ? "ACTIVE"
                        : str(p, "active", "").equals("Inactive") ? "INACTIVE" : "ACTIVATING"),
                at(num(p, "sinceOffsetS", 0)),
                bool(p, "scaleTargetInitialized", false));
      }
      reachability = Reachability.valueOf(str(p, "reachability", "Unknown").toUpperCase());
    }
    SksState sks = SksState.serve();
    if (c.has("sks")) {
      JsonObject s = c.getAsJsonObject("sks");
      if (bool(s, "none", false)) {
        sks = null;
      } else {
        sks =
            new SksState(
                SksMode.valueOf(str(s, "mode", "Serve").toUpperCase()),
                s.has("proxyForS") ? at(-num(s, "proxyForS", 0)) : null);
      }
    }
    String probeMode = str(c, "probe", "ok");
    int[] asyncProbes = {0};
    ActivatorProbe probe =
        new ActivatorProbe() {
          @Override
          public boolean probe(RevisionKey revision) throws Exception {
            return switch (probeMode) {
              case "ok" -> true;
              case "false" -> false;
              case "error" -> throw new Exception("hell or high water");
              default -> throw new AssertionError("the activator probe must not be called");
            };
          }

          @Override
          public void offerAsync(RevisionKey revision) {
            asyncProbes[0]++;
          }
        };
    List<Integer> writes = new ArrayList<>();
    List<Duration> requeues = new ArrayList<>();
    KpaScaler scaler =
        new KpaScaler(
            () -> config,
            Duration.ofSeconds(121),
            Clock.fixed(NOW, ZoneOffset.UTC),
            (k, d) -> requeues.add(d),
            probe,
            (k, n) -> writes.add(n));

    KpaScaler.Outcome got =
        scaler.scale(
            KEY,
            new RevisionAutoscaling(anns, 0, reachability),
            pa,
            sks,
            (int) num(c, "scaleTo", 0),
            (int) num(c, "startReplicas", 0));

    int want = (int) num(c, "wantReplicas", 0);
    assertThat(got.want()).as("desiredScale").isEqualTo(want);
    if (bool(c, "wantScaling", false)) {
      assertThat(writes).as("scale writes").containsExactly(want);
    } else {
      assertThat(writes).as("scale writes").isEmpty();
    }
    assertThat(requeues).as("enqueue callbacks").hasSize((int) num(c, "wantCBCount", 0));
    assertThat(asyncProbes[0]).as("async probes").isEqualTo((int) num(c, "wantAsyncProbeCount", 0));
  }
}
