/**
 * Implementations of {@link io.kubedirect.api.discovery.PeerDiscovery}, created through {@link
 * io.kubedirect.runtime.discovery.PeerDiscoveries}: a static table, pods selected by the {@code
 * kubedirect.io/stage} label, sandbox-manager addresses from Node annotations, and a composite.
 */
package io.kubedirect.runtime.discovery;
