package io.kubedirect.runtime.discovery;

import io.kubedirect.api.discovery.PeerDiscovery;
import java.util.List;

/** Entry point to the {@link PeerDiscovery} implementations. */
public final class PeerDiscoveries {

  private PeerDiscoveries() {}

  /** A fixed table of addresses. */
  public static StaticPeerDiscovery.Builder staticTable() {
    return StaticPeerDiscovery.builder();
  }

  /** Stage instances as pods labelled {@code kubedirect.io/stage=<stage>} in a namespace. */
  public static PodLabelPeerDiscovery.Builder podLabel() {
    return PodLabelPeerDiscovery.builder();
  }

  /**
   * Sandbox-manager addresses per node from the {@code kubedirect.io/sandbox-manager-address}
   * annotation.
   */
  public static NodeAnnotationPeerDiscovery.Builder nodeAnnotation() {
    return NodeAnnotationPeerDiscovery.builder();
  }

  /**
   * The leader of each replicated stage, from the stage's Lease (written by {@link
   * io.kubedirect.runtime.LeaderElection}).
   */
  public static LeasePeerDiscovery.Builder lease() {
    return LeasePeerDiscovery.builder();
  }

  /** Asks the delegates in order (first non-empty resolve, union of addresses). */
  public static PeerDiscovery composite(PeerDiscovery... delegates) {
    return new CompositePeerDiscovery(List.of(delegates));
  }
}
