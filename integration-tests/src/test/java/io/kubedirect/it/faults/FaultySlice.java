package io.kubedirect.it.faults;

import io.kubedirect.examples.faas.common.LoopbackPorts;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.ReplicaSetController;
import io.kubedirect.examples.faas.direct.SandboxManager;
import io.kubedirect.examples.faas.direct.SchedulerController;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The retrofitted example slice (as {@code DirectSlice} wires it) with a fault hook on every link
 * and on the tail's API writes, built only from the examples' public constructors:
 *
 * <ul>
 *   <li>every direct link goes through a {@link TcpProxy}: the replicaset stage dials the scheduler
 *       through one ({@code DirectLinks} with the proxy as the scheduler's address), the scheduler
 *       dials each sandbox manager through one; the listeners stay at the real addresses;
 *   <li>each sandbox manager has its own API client with a {@link WriteGate} that can hold its pod
 *       writes.
 * </ul>
 */
final class FaultySlice implements AutoCloseable {

  static final String RS_TO_SCHEDULER = "replicaset->scheduler";
  static final String SCHEDULER_TO_SM = "scheduler->sandbox-manager-0";

  final DirectLinks real;
  final TcpProxy rsToScheduler;
  final List<TcpProxy> schedulerToSm = new ArrayList<>();
  final List<WriteGate> gates = new ArrayList<>();
  final ReplicaSetController replicaSet;
  final SchedulerController scheduler;
  final List<SandboxManager> sandboxManagers = new ArrayList<>();
  private final LocalControlPlane cp;
  private final Map<String, PeerAddress> schedulerDownstreams;
  private SchedulerController twin;

  FaultySlice(LocalControlPlane cp, List<String> nodes, int managers, Duration maxStartDelay) {
    this.real = DirectLinks.onLoopback(nodes, managers);
    this.rsToScheduler = new TcpProxy(RS_TO_SCHEDULER, real.scheduler());
    Map<PeerAddress, PeerAddress> proxyOf = new LinkedHashMap<>();
    List<PeerAddress> smAddresses = real.sandboxManagers();
    for (int i = 0; i < smAddresses.size(); i++) {
      TcpProxy p = new TcpProxy("scheduler->sandbox-manager-" + i, smAddresses.get(i));
      schedulerToSm.add(p);
      proxyOf.put(smAddresses.get(i), p.address());
    }
    Map<String, PeerAddress> viaProxies = new LinkedHashMap<>();
    real.sandboxManagerByNode().forEach((node, addr) -> viaProxies.put(node, proxyOf.get(addr)));
    DirectLinks rsLinks = new DirectLinks(rsToScheduler.address(), real.sandboxManagerByNode());
    DirectLinks schedulerLinks = new DirectLinks(real.scheduler(), viaProxies);
    this.cp = cp;
    this.schedulerDownstreams = viaProxies;
    this.replicaSet = new ReplicaSetController(cp.apiClient(), rsLinks);
    this.scheduler = new SchedulerController(cp.apiClient(), schedulerLinks);
    for (int i = 0; i < smAddresses.size(); i++) {
      WriteGate gate = new WriteGate("sandbox-manager-" + i);
      gates.add(gate);
      ApiClient client =
          cp.newApiClient(Duration.ZERO); // its own client: the gate acts on this stage only
      client.setHttpClient(client.getHttpClient().newBuilder().addInterceptor(gate).build());
      sandboxManagers.add(
          SandboxManager.builder(client)
              .links(real, smAddresses.get(i))
              .podIpBlock(i)
              .startDelay(Duration.ZERO, maxStartDelay)
              .build());
    }
  }

  /** Downstream first, like DirectSlice. */
  void start() {
    sandboxManagers.forEach(SliceStage::start);
    scheduler.start();
    replicaSet.start();
  }

  boolean hasSynced() {
    return replicaSet.hasSynced()
        && scheduler.hasSynced()
        && sandboxManagers.stream().allMatch(SliceStage::hasSynced);
  }

  List<SliceStage> stages() {
    List<SliceStage> all = new ArrayList<>();
    all.add(replicaSet);
    all.add(scheduler);
    all.addAll(sandboxManagers);
    return all;
  }

  /** The stage called {@code name}: replicaset, scheduler or sandbox-manager (the first one). */
  SliceStage stage(String name) {
    return switch (name) {
      case "replicaset" -> replicaSet;
      case "scheduler" -> scheduler;
      case "sandbox-manager" -> sandboxManagers.get(0);
      default -> throw new IllegalArgumentException(name);
    };
  }

  /** The proxy of link {@code name}. */
  TcpProxy link(String name) {
    if (RS_TO_SCHEDULER.equals(name)) {
      return rsToScheduler;
    }
    return schedulerToSm.stream()
        .filter(p -> p.name().equals(name))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(name));
  }

  /** The stage that dials link {@code name}. */
  SliceStage upstreamOf(String name) {
    return RS_TO_SCHEDULER.equals(name) ? replicaSet : scheduler;
  }

  /**
   * Starts a second live instance of the scheduler stage (its own listen port, the same sandbox
   * managers through the same proxies), as a standby or a stale instance that did not stop: it
   * dials every sandbox manager at start, so the two fence each other there.
   */
  SliceStage startTwinScheduler() {
    DirectLinks links =
        new DirectLinks(new PeerAddress("127.0.0.1", LoopbackPorts.next()), schedulerDownstreams);
    twin = new SchedulerController(cp.apiClient(), links);
    twin.start();
    return twin;
  }

  /** Stops the twin scheduler, if one runs. */
  void stopTwinScheduler() {
    if (twin != null) {
      twin.stop();
      twin = null;
    }
  }

  void holdTailWrites() {
    gates.forEach(WriteGate::hold);
  }

  void openTailWrites() {
    gates.forEach(WriteGate::open);
  }

  /** Pods the sandbox managers hold in memory only (received, not yet seen persisted). */
  int tailEphemeral() {
    return sandboxManagers.stream().mapToInt(StageProbe::ephemeral).sum();
  }

  /**
   * "rs dirty=…, scheduler ephemeral=… dirty=…, sm ephemeral=[…]": the in-memory state, for logs
   * and results.
   */
  String memoryState() {
    StringBuilder sb = new StringBuilder();
    sb.append("rs dirty=")
        .append(StageProbe.dirty(replicaSet))
        .append(", scheduler eph=")
        .append(StageProbe.ephemeral(scheduler))
        .append(" dirty=")
        .append(StageProbe.dirty(scheduler))
        .append(", sm eph=");
    for (int i = 0; i < sandboxManagers.size(); i++) {
      sb.append(i == 0 ? "" : "+").append(StageProbe.ephemeral(sandboxManagers.get(i)));
    }
    return sb.toString();
  }

  /**
   * True when no stage holds anything in memory only: every dirty set and ephemeral store is empty.
   */
  boolean drained() {
    return stages().stream().allMatch(s -> StageProbe.dirty(s) == 0 && StageProbe.ephemeral(s) == 0)
        && gates.stream().allMatch(g -> g.held() == 0);
  }

  @Override
  public void close() {
    openTailWrites();
    stopTwinScheduler();
    List<SliceStage> order = new ArrayList<>();
    order.add(replicaSet);
    order.add(scheduler);
    order.addAll(sandboxManagers);
    for (SliceStage s : order) {
      try {
        s.stop();
      } catch (RuntimeException e) {
        // keep closing the rest
      }
    }
    rsToScheduler.close();
    schedulerToSm.forEach(TcpProxy::close);
  }
}
