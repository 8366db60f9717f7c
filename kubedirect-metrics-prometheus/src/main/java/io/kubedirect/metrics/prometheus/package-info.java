/**
 * The kubedirect meters in Prometheus format: {@link
 * io.kubedirect.metrics.prometheus.KubeDirectPrometheus} creates a Micrometer {@code
 * PrometheusMeterRegistry} to hand to {@code KubeDirect.Builder.meterRegistry} and {@code
 * NettyTransport.Builder.meterRegistry}, and {@link io.kubedirect.metrics.prometheus.MetricsServer}
 * serves it on {@code /metrics}, with {@code /healthz} and {@code /readyz} for the kubelet's
 * probes. The runtime and the transport depend on micrometer-core only; this optional module adds
 * the Prometheus registry. The metric names and labels are listed in docs/operations.md.
 */
package io.kubedirect.metrics.prometheus;
