/**
 * How a function is declared: a Deployment labelled {@code faas.kubedirect.io/function} whose
 * template carries Knative's {@code autoscaling.knative.dev/*} annotations, read into the KPA
 * port's settings ({@link FunctionAutoscaling}).
 */
package io.kubedirect.examples.faas.function;
