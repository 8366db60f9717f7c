package io.kubedirect.examples.faas.direct;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.runtime.discovery.StaticPeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.netty.NettyTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Where the stages of the retrofitted slice listen (all on 127.0.0.1) and how they find each other: a static
 * table with the scheduler's address and, per node, the address of the sandbox manager serving it. Fixed
 * ports, so a restarted stage comes back at the same address.
 *
 * @param scheduler the scheduler's link address
 * @param sandboxManagerByNode the sandbox manager's link address for each pool node
 */
public record DirectLinks(PeerAddress scheduler, Map<String, PeerAddress> sandboxManagerByNode) {

  /** Stage name of the producer. */
  public static final String REPLICASET = "replicaset";
  /** Stage name of the scheduler. */
  public static final String SCHEDULER = "scheduler";
  /** Stage name of the sandbox managers. */
  public static final String SANDBOX_MANAGER = DiscoveryKeys.SANDBOX_MANAGER_STAGE;

  /** Copies the map. */
  public DirectLinks {
    Objects.requireNonNull(scheduler, "scheduler");
    sandboxManagerByNode = Map.copyOf(sandboxManagerByNode);
  }

  /**
   * Picks free loopback ports: one for the scheduler and one per sandbox manager; node {@code i} is served by
   * manager {@code i % managers}.
   *
   * @throws IllegalArgumentException unless 1 <= managers <= nodes
   */
  public static DirectLinks onLoopback(List<String> nodes, int managers) {
    if (managers < 1 || managers > nodes.size()) {
      throw new IllegalArgumentException("need 1 <= managers <= nodes (" + nodes.size() + ")");
    }
    PeerAddress[] addresses = new PeerAddress[managers];
    for (int i = 0; i < managers; i++) {
      addresses[i] = PeerAddress.loopback(freePort());
    }
    Map<String, PeerAddress> byNode = new LinkedHashMap<>();
    for (int i = 0; i < nodes.size(); i++) {
      byNode.put(nodes.get(i), addresses[i % managers]);
    }
    return new DirectLinks(PeerAddress.loopback(freePort()), byNode);
  }

  /** The discovery every stage uses: scheduler by stage name, sandbox managers by node name. */
  public PeerDiscovery discovery() {
    StaticPeerDiscovery.Builder b = PeerDiscoveries.staticTable().stage(SCHEDULER, scheduler);
    sandboxManagerByNode.forEach((node, address) -> b.route(SANDBOX_MANAGER, node, address));
    return b.build();
  }

  /** A plaintext Netty transport for {@code stage} (allowed on loopback only). */
  public Transport transport(String stage) {
    return NettyTransport.builder().stageName(stage).plaintextOnLoopback().build();
  }

  /** The nodes served by the sandbox manager listening at {@code address}. */
  public List<String> nodesServedBy(PeerAddress address) {
    return sandboxManagerByNode.entrySet().stream()
        .filter(e -> e.getValue().equals(address)).map(Map.Entry::getKey).sorted().toList();
  }

  /** The distinct sandbox-manager addresses, in node order. */
  public List<PeerAddress> sandboxManagers() {
    return sandboxManagerByNode.values().stream().distinct().toList();
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }
}
