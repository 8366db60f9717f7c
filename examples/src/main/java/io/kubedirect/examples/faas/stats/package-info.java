/**
 * Stats between processes: when the activator and the autoscaler run in separate processes, the
 * activator's {@code Stat}s reach the autoscaler's intake over HTTP ({@link
 * io.kubedirect.examples.faas.stats.HttpStatSink} to {@link
 * io.kubedirect.examples.faas.stats.StatsServer}), where Knative uses a websocket.
 */
package io.kubedirect.examples.faas.stats;
