package io.kubedirect.metrics.prometheus;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Prometheus registry set up for kubedirect: the timers of the runtime and the transport ({@code
 * kubedirect.writeback.lag}, {@code kubedirect.link.ack.latency}, {@code kubedirect.link.rtt})
 * publish histogram buckets ({@link #BUCKETS}, 1 ms to 60 s), so that Prometheus can compute
 * quantiles over all replicas with {@code histogram_quantile}; a meter that cannot be registered
 * (the same name with other label names) is logged once at WARN instead of being dropped silently.
 *
 * <pre>{@code
 * PrometheusMeterRegistry registry = KubeDirectPrometheus.newRegistry();
 * KubeDirectPrometheus.bindJvmMetrics(registry);                  // optional: jvm_*, process_*, system_*
 * KubeDirect kd = KubeDirect.builder()...meterRegistry(registry)
 *     .transport(NettyTransport.builder()...meterRegistry(registry).build()).build();
 * MetricsServer server = MetricsServer.builder(registry).port(9090).readiness(controller::hasSynced).start();
 * }</pre>
 */
public final class KubeDirectPrometheus {

  private static final Logger log = LoggerFactory.getLogger(KubeDirectPrometheus.class);

  /** Prefix of every kubedirect meter name (Micrometer dotted form). */
  public static final String PREFIX = "kubedirect.";

  /**
   * The histogram bucket bounds of the kubedirect timers (upper bounds, Prometheus {@code le}),
   * from 1 ms to 60 s: an ack or a heartbeat round trip takes about a millisecond on a LAN, a
   * write-back tens of milliseconds, and a fallback deadline is 10 s by default.
   */
  public static final List<Duration> BUCKETS =
      List.of(
          Duration.ofMillis(1),
          Duration.ofMillis(2),
          Duration.ofMillis(5),
          Duration.ofMillis(10),
          Duration.ofMillis(25),
          Duration.ofMillis(50),
          Duration.ofMillis(100),
          Duration.ofMillis(250),
          Duration.ofMillis(500),
          Duration.ofSeconds(1),
          Duration.ofSeconds(2),
          Duration.ofSeconds(5),
          Duration.ofSeconds(10),
          Duration.ofSeconds(30),
          Duration.ofSeconds(60));

  private KubeDirectPrometheus() {}

  /**
   * A new registry with the kubedirect settings and {@code commonTags} on every meter (none: no
   * extra label).
   */
  public static PrometheusMeterRegistry newRegistry(Tag... commonTags) {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    configure(registry, commonTags);
    return registry;
  }

  /**
   * Applies the kubedirect settings to {@code registry} (any registry type): common tags, histogram
   * buckets of the kubedirect timers, a WARN line for each meter that cannot be registered. Call
   * before meters are registered.
   */
  public static <R extends MeterRegistry> R configure(R registry, Tag... commonTags) {
    if (commonTags.length > 0) {
      registry.config().commonTags(List.of(commonTags));
    }
    registry.config().meterFilter(timerHistograms());
    registry
        .config()
        .onMeterRegistrationFailed(
            (id, reason) ->
                log.warn("meter {} {} not registered: {}", id.getName(), id.getTags(), reason));
    return registry;
  }

  /** The filter that gives the kubedirect timers the histogram buckets {@link #BUCKETS}. */
  public static MeterFilter timerHistograms() {
    return new MeterFilter() {
      @Override
      public DistributionStatisticConfig configure(
          Meter.Id id, DistributionStatisticConfig config) {
        if (id.getType() != Meter.Type.TIMER || !id.getName().startsWith(PREFIX)) {
          return config;
        }
        return DistributionStatisticConfig.builder()
            .serviceLevelObjectives(BUCKETS.stream().mapToDouble(Duration::toNanos).toArray())
            .build()
            .merge(config);
      }
    };
  }

  /**
   * Binds the usual JVM and process meters (memory, GC, threads, class loading, CPU, uptime) to
   * {@code registry}. Closing the result stops the GC listener.
   */
  public static AutoCloseable bindJvmMetrics(MeterRegistry registry) {
    JvmGcMetrics gc = new JvmGcMetrics();
    List<MeterBinder> binders =
        List.of(
            new ClassLoaderMetrics(),
            new JvmMemoryMetrics(),
            gc,
            new JvmThreadMetrics(),
            new ProcessorMetrics(),
            new UptimeMetrics());
    binders.forEach(b -> b.bindTo(registry));
    return gc::close;
  }
}
