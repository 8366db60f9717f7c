/**
 * Cluster fixtures for the example slice: pool Nodes that look Ready (with a kubelet-like lease
 * heartbeat) and the ReplicaSet/Deployment workloads the demo and the integration tests scale.
 */
package io.kubedirect.examples.faas.cluster;
