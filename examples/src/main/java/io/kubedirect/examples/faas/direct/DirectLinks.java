package io.kubedirect.examples.faas.direct;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.runtime.discovery.StaticPeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.netty.NettyTransport;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Where the stages of the retrofitted slice listen (all on 127.0.0.1) and how they find each other: a static
 * table with the scheduler's address and, per node, the address of the sandbox manager serving it. Fixed
 * ports, so a restarted stage comes back at the same address. By default each stage gets a plaintext loopback
 * transport and private meters; {@link #withTransports} and {@link #withMeterRegistry} change that (the
 * per-stage entry point {@code StageMain} uses them for TLS and a Prometheus registry).
 *
 * @param scheduler the scheduler's link address
 * @param sandboxManagerByNode the sandbox manager's link address for each pool node
 * @param transports the transport of each stage by stage name (null: plaintext on loopback)
 * @param meters where the stages register their meters (null: a private registry per stage)
 */
public record DirectLinks(PeerAddress scheduler, Map<String, PeerAddress> sandboxManagerByNode,
    Function<String, Transport> transports, MeterRegistry meters) {

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

  /** Plaintext loopback transports and private meters. */
  public DirectLinks(PeerAddress scheduler, Map<String, PeerAddress> sandboxManagerByNode) {
    this(scheduler, sandboxManagerByNode, null, null);
  }

  /** The same addresses, with {@code transports} making each stage's transport from its name. */
  public DirectLinks withTransports(Function<String, Transport> transports) {
    return new DirectLinks(scheduler, sandboxManagerByNode, Objects.requireNonNull(transports, "transports"), meters);
  }

  /** The same addresses, with every stage registering its meters in {@code registry}. */
  public DirectLinks withMeterRegistry(MeterRegistry registry) {
    return new DirectLinks(scheduler, sandboxManagerByNode, transports, Objects.requireNonNull(registry, "registry"));
  }

  /** Where a stage registers its meters: the configured registry, else a new private one. */
  public MeterRegistry meterRegistry() {
    return meters != null ? meters : new SimpleMeterRegistry();
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

  /** The transport for {@code stage}: by default a plaintext Netty transport (allowed on loopback only). */
  public Transport transport(String stage) {
    if (transports != null) {
      return transports.apply(stage);
    }
    NettyTransport.Builder b = NettyTransport.builder().stageName(stage).plaintextOnLoopback();
    return (meters != null ? b.meterRegistry(meters) : b).build();
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
