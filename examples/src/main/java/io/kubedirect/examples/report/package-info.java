/**
 * What the demo and the benchmarks show a person: charts (PNG, rendered without a display), a
 * self-contained HTML report, and live progress in the terminal.
 */
package io.kubedirect.examples.report;
