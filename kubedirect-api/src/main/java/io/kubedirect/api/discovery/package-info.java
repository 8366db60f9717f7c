/**
 * Peer discovery SPI: how a stage finds the link addresses of its downstream (and upstream) peers.
 *
 * <p>{@link io.kubedirect.api.discovery.PeerDiscovery} is implemented in kubedirect-runtime ({@code
 * io.kubedirect.runtime.discovery.PeerDiscoveries}: static, pods by label, node annotations,
 * composite). {@link io.kubedirect.api.discovery.DiscoveryKeys} names the labels and annotations
 * the Kubernetes-backed implementations read.
 */
package io.kubedirect.api.discovery;
