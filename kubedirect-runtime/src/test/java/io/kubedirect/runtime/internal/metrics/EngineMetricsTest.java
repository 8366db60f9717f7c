package io.kubedirect.runtime.internal.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EngineMetricsTest {

  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  private double gauge(String name, String... tags) {
    return registry.get(EngineMetrics.PREFIX + name).tags(tags).gauge().value();
  }

  @Test
  void linkGaugesFollowTheSession() {
    EngineMetrics m = new EngineMetrics(registry, "rs");
    AtomicReference<String> state = new AtomicReference<>("disconnected");
    AtomicLong epoch = new AtomicLong();
    AtomicBoolean fallback = new AtomicBoolean();
    m.linkGauges(
        "10.0.0.1:7301",
        "scheduler",
        List.of("disconnected", "ready"),
        state::get,
        epoch::get,
        fallback::get);
    assertThat(gauge("link.state", "state", "disconnected", "peer", "scheduler")).isEqualTo(1.0);
    assertThat(gauge("link.state", "state", "ready")).isZero();
    state.set("ready");
    epoch.set(1_780_000_000_000_123L);
    fallback.set(true);
    assertThat(gauge("link.state", "state", "ready")).isEqualTo(1.0);
    assertThat(gauge("link.state", "state", "disconnected")).isZero();
    assertThat(gauge("link.epoch", "link", "10.0.0.1:7301")).isEqualTo(1_780_000_000_000_123d);
    assertThat(gauge("link.fallback")).isEqualTo(1.0);

    m.sourceEpoch("autoscaler", 5);
    m.sourceEpoch("autoscaler", 7);
    assertThat(gauge("source.epoch", "source", "autoscaler", "stage", "rs")).isEqualTo(7.0);
    m.ackLatency("10.0.0.1:7301", Duration.ofMillis(3));
    assertThat(registry.get("kubedirect.link.ack.latency").timer().count()).isEqualTo(1);
  }

  @Test
  void closeRemovesTheGaugesSoARestartedStageRegistersItsOwn() {
    EngineMetrics first = new EngineMetrics(registry, "sm");
    first.gauges(() -> 1, () -> 2);
    first.writeBackGauge(() -> 3);
    first.sourceEpoch("scheduler", 9);
    first.message("scheduler", "in", "ack");
    assertThat(gauge("writeback.pending")).isEqualTo(3.0);

    first.close();
    assertThat(registry.find("kubedirect.writeback.pending").gauges()).isEmpty();
    assertThat(registry.find("kubedirect.source.epoch").gauges()).isEmpty();
    assertThat(registry.find("kubedirect.session.messages").counter().count())
        .as("counters stay")
        .isEqualTo(1.0);
    first.writeBackGauge(() -> 99);
    assertThat(registry.find("kubedirect.writeback.pending").gauges())
        .as("nothing after close")
        .isEmpty();

    EngineMetrics second = new EngineMetrics(registry, "sm");
    second.gauges(() -> 10, () -> 20);
    second.writeBackGauge(() -> 30);
    assertThat(gauge("ephemeral.objects")).isEqualTo(10.0);
    assertThat(gauge("writeback.pending")).isEqualTo(30.0);
    second.message("scheduler", "in", "ack");
    assertThat(second.count("session.messages")).isEqualTo(2.0);
    assertThat(registry.find("kubedirect.writeback.pending").gauges())
        .extracting(Gauge::value)
        .containsExactly(30.0);
  }
}
