/**
 * The trace workload of the benchmark harness: a seeded Azure-Functions-like trace ({@link
 * io.kubedirect.examples.bench.trace.TraceGenerator}), its open-loop replay against a running
 * chain's activator ({@link io.kubedirect.examples.bench.trace.TraceWorkload}) and the per-function
 * delay statistics ({@link io.kubedirect.examples.bench.trace.TraceResult}). {@link
 * io.kubedirect.examples.bench.trace.TraceBench} runs it on in-JVM chains.
 */
package io.kubedirect.examples.bench.trace;
