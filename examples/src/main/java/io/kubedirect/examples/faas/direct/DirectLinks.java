package io.kubedirect.examples.faas.direct;

import io.kubedirect.examples.faas.common.LoopbackPorts;
import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.LeaderElection;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.runtime.discovery.StaticPeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.netty.NettyTransport;
import io.micrometer.core.instrument.MeterRegistry;
import io.kubernetes.client.openapi.ApiClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Where the stages of the retrofitted slice and chain listen (all on 127.0.0.1) and how they find each other: a
 * static table with the scheduler's address, per node the address of the sandbox manager serving it, and the
 * addresses of the other receiving stages of the chain ({@link #DEPLOYMENT}, {@link #REPLICASET} and the
 * {@link #ACTIVATOR}, which subscribes to the sandbox managers' pods). Fixed
 * ports, so a restarted stage comes back at the same address. By default each stage gets a plaintext loopback
 * transport and private meters; {@link #withTransports} and {@link #withMeterRegistry} change that (the
 * per-stage entry point {@code StageMain} uses them for TLS and a Prometheus registry).
 *
 * <p>With {@link #withLeaderElection} every stage runs as one replica of several: it elects its leader through
 * the Lease {@code kubedirect-<stage>} and finds its downstream stage's leader through that stage's Lease
 * ({@link #discovery(ApiClient)}); the addresses above are then where <em>this</em> replica listens.
 *
 * @param scheduler the scheduler's link address
 * @param sandboxManagerByNode the sandbox manager's link address for each pool node
 * @param stages the link addresses of the other receiving stages by stage name (a stage missing here listens on
 *     an ephemeral loopback port nobody dials)
 * @param transports the transport of each stage by stage name (null: plaintext on loopback)
 * @param meters where the stages register their meters (null: a private registry per stage)
 * @param election leader election of every stage (null: one instance per stage, static addresses)
 */
public record DirectLinks(PeerAddress scheduler, Map<String, PeerAddress> sandboxManagerByNode,
    Map<String, PeerAddress> stages, Function<String, Transport> transports, MeterRegistry meters,
    Election election) {

  /** Stage name of the autoscaler (sends the desired scale of Deployments). */
  public static final String AUTOSCALER = "autoscaler";
  /** Stage name of the deployment stage (tail of Deployments, head of ReplicaSets). */
  public static final String DEPLOYMENT = "deployment";
  /** Stage name of the producer of pods (tail of ReplicaSets). */
  public static final String REPLICASET = "replicaset";
  /** Stage name of the activator (subscriber of the sandbox managers' pods). */
  public static final String ACTIVATOR = "activator";
  /** Stage name of the scheduler. */
  public static final String SCHEDULER = "scheduler";
  /** Stage name of the sandbox managers. */
  public static final String SANDBOX_MANAGER = DiscoveryKeys.SANDBOX_MANAGER_STAGE;

  /** Copies the map. */
  public DirectLinks {
    Objects.requireNonNull(scheduler, "scheduler");
    sandboxManagerByNode = Map.copyOf(sandboxManagerByNode);
    stages = Map.copyOf(stages);
  }

  /** Plaintext loopback transports, private meters, no leader election, no stage before the scheduler listening. */
  public DirectLinks(PeerAddress scheduler, Map<String, PeerAddress> sandboxManagerByNode) {
    this(scheduler, sandboxManagerByNode, Map.of(), null, null, null);
  }

  /** The same, with {@code stage} listening at {@code address}. */
  public DirectLinks withStage(String stage, PeerAddress address) {
    Map<String, PeerAddress> all = new LinkedHashMap<>(stages);
    all.put(Objects.requireNonNull(stage, "stage"), Objects.requireNonNull(address, "address"));
    return new DirectLinks(scheduler, sandboxManagerByNode, all, transports, meters, election);
  }

  /** Where {@code stage} listens: its configured address, else an ephemeral loopback port. */
  public PeerAddress listenAddress(String stage) {
    return stages.getOrDefault(stage, PeerAddress.loopback(0));
  }

  /**
   * A runtime builder for the stage {@code stage} declared on {@code controller}: {@code api}, the stage's
   * transport, the discovery, the meter registry and, when the stages are elected, its Lease.
   */
  public KubeDirect.Builder stage(String stage, Class<?> controller, ApiClient api) {
    return elect(stage, KubeDirect.builder().apiClient(api).stage(controller).transport(transport(stage))
        .discovery(discovery(api)).meterRegistry(meterRegistry()));
  }

  /** The stable instance name of the sandbox manager listening at {@code address}: the first node it serves. */
  public String instanceAt(PeerAddress address) {
    return nodesServedBy(address).stream().findFirst().orElse("sandbox-manager-" + address.port());
  }

  /** The same addresses, with {@code transports} making each stage's transport from its name. */
  public DirectLinks withTransports(Function<String, Transport> transports) {
    return new DirectLinks(scheduler, sandboxManagerByNode, stages,
        Objects.requireNonNull(transports, "transports"), meters, election);
  }

  /** The same addresses, with every stage registering its meters in {@code registry}. */
  public DirectLinks withMeterRegistry(MeterRegistry registry) {
    return new DirectLinks(scheduler, sandboxManagerByNode, stages, transports,
        Objects.requireNonNull(registry, "registry"), election);
  }

  /** The same, with every stage elected through its Lease as {@code election} says. */
  public DirectLinks withLeaderElection(Election election) {
    return new DirectLinks(scheduler, sandboxManagerByNode, stages, transports, meters,
        Objects.requireNonNull(election, "election"));
  }

  /** {@code builder} with the leader election of {@code stage}, when the stages are elected. */
  public KubeDirect.Builder elect(String stage, KubeDirect.Builder builder) {
    return election == null ? builder : builder.leaderElection(election.forStage(stage));
  }

  /** The Lease election of {@code stage} for this replica, when the stages are elected. */
  public Optional<LeaderElection> leaderElection(String stage) {
    return Optional.ofNullable(election).map(e -> e.forStage(stage));
  }

  /**
   * Leader election of the example stages: each stage's replicas elect through the Lease
   * {@code kubedirect-<stage>} in {@code namespace}.
   *
   * @param namespace the namespace of the Leases
   * @param identity this replica's identity (null: a generated one), the same for each stage it runs
   * @param leaseDuration the lease duration
   * @param renewDeadline the renew deadline
   * @param retryPeriod the retry period
   * @param advertise the address a leader writes into its Lease (null: its listen address)
   * @param releaseOnClose whether a stopped leader gives its Lease up (false: it expires, as after a crash)
   */
  public record Election(String namespace, String identity, Duration leaseDuration, Duration renewDeadline,
      Duration retryPeriod, PeerAddress advertise, boolean releaseOnClose) {

    /** Checks the namespace; {@link LeaderElection} checks the rest when a stage is built. */
    public Election {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(leaseDuration, "leaseDuration");
      Objects.requireNonNull(renewDeadline, "renewDeadline");
      Objects.requireNonNull(retryPeriod, "retryPeriod");
    }

    /** Client-go's timings (15 s, 10 s, 2 s), a generated identity, release on close. */
    public static Election inNamespace(String namespace) {
      return new Election(namespace, null, Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2),
          null, true);
    }

    /** The Lease of {@code stage}. */
    public static String leaseName(String stage) {
      return "kubedirect-" + stage;
    }

    /** The same with another identity. */
    public Election withIdentity(String identity) {
      return new Election(namespace, identity, leaseDuration, renewDeadline, retryPeriod, advertise, releaseOnClose);
    }

    /** The same with other timings. */
    public Election withTimings(Duration leaseDuration, Duration renewDeadline, Duration retryPeriod) {
      return new Election(namespace, identity, leaseDuration, renewDeadline, retryPeriod, advertise, releaseOnClose);
    }

    /** The same with {@code releaseOnClose}. */
    public Election withReleaseOnClose(boolean release) {
      return new Election(namespace, identity, leaseDuration, renewDeadline, retryPeriod, advertise, release);
    }

    /** The same, advertising {@code address} (e.g. the pod IP and link port) instead of the listen address. */
    public Election withAdvertise(PeerAddress address) {
      return new Election(namespace, identity, leaseDuration, renewDeadline, retryPeriod, address, releaseOnClose);
    }

    /** The runtime's election for {@code stage}. */
    public LeaderElection forStage(String stage) {
      LeaderElection e = LeaderElection.lease(namespace, leaseName(stage)).leaseDuration(leaseDuration)
          .renewDeadline(renewDeadline).retryPeriod(retryPeriod).releaseOnClose(releaseOnClose);
      if (identity != null) {
        e = e.identity(identity);
      }
      return advertise == null ? e : e.advertise(advertise);
    }
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

  /**
   * Like {@link #onLoopback}, plus free loopback ports for the deployment, replicaset and activator stages: the
   * links of the whole chain.
   */
  public static DirectLinks chainOnLoopback(List<String> nodes, int managers) {
    return onLoopback(nodes, managers).withStage(DEPLOYMENT, PeerAddress.loopback(freePort()))
        .withStage(REPLICASET, PeerAddress.loopback(freePort()))
        .withStage(ACTIVATOR, PeerAddress.loopback(freePort()));
  }

  /**
   * The discovery of a stage that reads the API Server through {@code api}: with leader election, the leaders
   * of the scheduler and sandbox-manager stages from their Leases (the runtime starts and closes it); else
   * {@link #discovery()}.
   */
  public PeerDiscovery discovery(ApiClient api) {
    if (election == null) {
      return discovery();
    }
    var lease = PeerDiscoveries.lease().namespace(election.namespace()).apiClient(api)
        .stage(SCHEDULER, Election.leaseName(SCHEDULER))
        .stage(SANDBOX_MANAGER, Election.leaseName(SANDBOX_MANAGER));
    stages.keySet().forEach(s -> lease.stage(s, Election.leaseName(s)));
    return lease.build();
  }

  /**
   * The discovery every stage uses: scheduler and the other listening stages by stage name, sandbox managers
   * by node name.
   */
  public PeerDiscovery discovery() {
    StaticPeerDiscovery.Builder b = PeerDiscoveries.staticTable().stage(SCHEDULER, scheduler);
    stages.forEach(b::stage);
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
    return LoopbackPorts.next();
  }
}
