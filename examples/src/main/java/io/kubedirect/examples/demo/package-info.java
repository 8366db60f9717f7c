/**
 * The burst demo: a burst of requests to a function at zero through (a) the plain client-java
 * chain, (b) the kubedirect chain and (c) Knative-style stock kube-controller-manager +
 * kube-scheduler, with live progress and an HTML report; it runs the benchmark harness's pods
 * workload ({@link io.kubedirect.examples.bench}). Entry point: {@link
 * io.kubedirect.examples.demo.BurstDemo}.
 */
package io.kubedirect.examples.demo;
