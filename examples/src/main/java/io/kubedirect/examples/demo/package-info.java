/**
 * The burst demo and baseline benchmark: scale a function 0 -> N through (a) the plain client-java
 * slice, (b) the kubedirect slice and (c) stock kube-controller-manager + kube-scheduler, and
 * report time-to-Ready as an API-Server informer sees it. Entry point: {@link
 * io.kubedirect.examples.demo.BurstDemo}.
 */
package io.kubedirect.examples.demo;
