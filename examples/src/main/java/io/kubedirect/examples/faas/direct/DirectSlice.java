package io.kubedirect.examples.faas.direct;

import io.kubedirect.examples.faas.common.CompositeStage;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.sandbox.SandboxRuntime;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The whole retrofitted slice in one JVM: one {@link ReplicaSetController}, one {@link SchedulerController}
 * and one {@link SandboxManager} per distinct sandbox-manager address of the {@link DirectLinks}, linked over
 * loopback Netty links.
 */
public final class DirectSlice implements SliceStage {

  private final DirectLinks links;
  private final ReplicaSetController replicaSet;
  private final SchedulerController scheduler;
  private final List<SandboxManager> sandboxManagers;
  private final CompositeStage stages;

  /** A slice wired by {@code links}; each sandbox manager starts sandboxes within {@code maxStartDelay}. */
  public DirectSlice(ApiClient apiClient, DirectLinks links, Duration maxStartDelay) {
    this(apiClient, links, maxStartDelay, SandboxRuntime.NONE);
  }

  /** Like {@link #DirectSlice(ApiClient, DirectLinks, Duration)}, running the pods' sandboxes on {@code sandboxes}. */
  public DirectSlice(ApiClient apiClient, DirectLinks links, Duration maxStartDelay, SandboxRuntime sandboxes) {
    this.links = Objects.requireNonNull(links, "links");
    this.replicaSet = new ReplicaSetController(apiClient, links);
    this.scheduler = new SchedulerController(apiClient, links);
    List<SandboxManager> managers = new ArrayList<>();
    List<PeerAddress> addresses = links.sandboxManagers();
    for (int i = 0; i < addresses.size(); i++) {
      managers.add(SandboxManager.builder(apiClient).links(links, addresses.get(i)).podIpBlock(i)
          .startDelay(Duration.ZERO, maxStartDelay).sandboxes(sandboxes).build());
    }
    this.sandboxManagers = List.copyOf(managers);
    List<SliceStage> order = new ArrayList<>(sandboxManagers);
    order.add(scheduler);
    order.add(replicaSet);
    this.stages = new CompositeStage(order);
  }

  /** The link configuration. */
  public DirectLinks links() {
    return links;
  }

  /** The producer stage. */
  public ReplicaSetController replicaSet() {
    return replicaSet;
  }

  /** The scheduler stage. */
  public SchedulerController scheduler() {
    return scheduler;
  }

  /** The sandbox managers (kubelet stand-ins, the tail that writes back). */
  public List<SandboxManager> sandboxManagers() {
    return sandboxManagers;
  }

  @Override
  public void start() {
    stages.start();
  }

  @Override
  public void stop() {
    stages.stop();
  }

  @Override
  public boolean isRunning() {
    return stages.isRunning();
  }

  @Override
  public boolean hasSynced() {
    return stages.hasSynced();
  }
}
