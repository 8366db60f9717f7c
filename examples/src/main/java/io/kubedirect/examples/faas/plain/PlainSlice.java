package io.kubedirect.examples.faas.plain;

import io.kubedirect.examples.faas.common.SliceStage;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The whole plain slice in one JVM: one {@link ReplicaSetController}, one {@link SchedulerController} and
 * {@code sandboxManagers} {@link SandboxManager}s that split the pool nodes round-robin.
 */
public final class PlainSlice implements SliceStage {

  private final ReplicaSetController replicaSet;
  private final SchedulerController scheduler;
  private final List<SandboxManager> sandboxManagers;

  /**
   * A slice over {@code nodes}.
   *
   * @throws IllegalArgumentException if there are no nodes or {@code sandboxManagers} is not in 1..nodes
   */
  public PlainSlice(ApiClient apiClient, List<String> nodes, int sandboxManagers, Duration maxStartDelay) {
    if (nodes.isEmpty() || sandboxManagers < 1 || sandboxManagers > nodes.size()) {
      throw new IllegalArgumentException("need 1 <= sandboxManagers <= nodes (" + nodes.size() + ")");
    }
    this.replicaSet = new ReplicaSetController(apiClient);
    this.scheduler = new SchedulerController(apiClient);
    List<SandboxManager> managers = new ArrayList<>();
    for (int i = 0; i < sandboxManagers; i++) {
      List<String> mine = new ArrayList<>();
      for (int n = i; n < nodes.size(); n += sandboxManagers) {
        mine.add(nodes.get(n));
      }
      managers.add(SandboxManager.builder(apiClient).nodes(mine).podIpBlock(i)
          .startDelay(Duration.ZERO, maxStartDelay).build());
    }
    this.sandboxManagers = List.copyOf(managers);
  }

  /** The producer stage. */
  public ReplicaSetController replicaSet() {
    return replicaSet;
  }

  /** The scheduler stage. */
  public SchedulerController scheduler() {
    return scheduler;
  }

  /** The sandbox managers (kubelet stand-ins). */
  public List<SandboxManager> sandboxManagers() {
    return sandboxManagers;
  }

  @Override
  public void start() {
    sandboxManagers.forEach(SandboxManager::start);
    scheduler.start();
    replicaSet.start();
  }

  @Override
  public void stop() {
    replicaSet.stop();
    scheduler.stop();
    sandboxManagers.forEach(SandboxManager::stop);
  }

  @Override
  public boolean isRunning() {
    return replicaSet.isRunning() && scheduler.isRunning() && sandboxManagers.stream().allMatch(SliceStage::isRunning);
  }

  @Override
  public boolean hasSynced() {
    return replicaSet.hasSynced() && scheduler.hasSynced() && sandboxManagers.stream().allMatch(SliceStage::hasSynced);
  }
}
