/**
 * The benchmark harness (issue #12): workloads ({@link io.kubedirect.examples.bench.PodsWorkload},
 * {@link io.kubedirect.examples.bench.FunctionsWorkload}; a trace workload lives in {@code
 * io.kubedirect.examples.bench.trace}) driven through the whole FaaS chain, each variant (plain,
 * direct, K8s+, K8s+ with lifted rate limits) on a fresh local control plane ({@link
 * io.kubedirect.examples.bench.BenchChain}), reported as tables, an HTML report with charts and
 * {@code results.json}. Entry point: {@link io.kubedirect.examples.bench.BenchMain}.
 */
package io.kubedirect.examples.bench;
