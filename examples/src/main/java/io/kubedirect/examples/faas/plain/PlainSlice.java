package io.kubedirect.examples.faas.plain;

import io.kubedirect.examples.faas.common.CompositeStage;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.sandbox.SandboxRuntime;
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
  private final CompositeStage stages;

  /**
   * A slice over {@code nodes}.
   *
   * @throws IllegalArgumentException if there are no nodes or {@code sandboxManagers} is not in 1..nodes
   */
  public PlainSlice(ApiClient apiClient, List<String> nodes, int sandboxManagers, Duration maxStartDelay) {
    this(apiClient, nodes, sandboxManagers, maxStartDelay, SandboxRuntime.NONE);
  }

  /**
   * A slice over {@code nodes} whose sandbox managers run the pods' sandboxes on {@code sandboxes} (which the
   * caller owns: it outlives stops and restarts of the slice, and the caller closes it).
   *
   * @throws IllegalArgumentException if there are no nodes or {@code sandboxManagers} is not in 1..nodes
   */
  public PlainSlice(ApiClient apiClient, List<String> nodes, int sandboxManagers, Duration maxStartDelay,
      SandboxRuntime sandboxes) {
    this.sandboxManagers = sandboxManagers(apiClient, nodes, sandboxManagers, maxStartDelay, sandboxes);
    this.replicaSet = new ReplicaSetController(apiClient);
    this.scheduler = new SchedulerController(apiClient);
    List<SliceStage> order = new ArrayList<>(this.sandboxManagers);
    order.add(scheduler);
    order.add(replicaSet);
    this.stages = new CompositeStage(order);
  }

  /**
   * {@code count} sandbox managers that split {@code nodes} round-robin (manager {@code i} serves node
   * {@code n} when {@code n % count == i}) and start sandboxes within {@code maxStartDelay}.
   *
   * @throws IllegalArgumentException if there are no nodes or {@code count} is not in 1..nodes
   */
  public static List<SandboxManager> sandboxManagers(ApiClient apiClient, List<String> nodes, int count,
      Duration maxStartDelay) {
    return sandboxManagers(apiClient, nodes, count, maxStartDelay, SandboxRuntime.NONE);
  }

  /** Like {@link #sandboxManagers(ApiClient, List, int, Duration)}, running the sandboxes on {@code sandboxes}. */
  public static List<SandboxManager> sandboxManagers(ApiClient apiClient, List<String> nodes, int count,
      Duration maxStartDelay, SandboxRuntime sandboxes) {
    if (nodes.isEmpty() || count < 1 || count > nodes.size()) {
      throw new IllegalArgumentException("need 1 <= sandboxManagers <= nodes (" + nodes.size() + ")");
    }
    List<SandboxManager> managers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      List<String> mine = new ArrayList<>();
      for (int n = i; n < nodes.size(); n += count) {
        mine.add(nodes.get(n));
      }
      managers.add(SandboxManager.builder(apiClient).nodes(mine).podIpBlock(i)
          .startDelay(Duration.ZERO, maxStartDelay).sandboxes(sandboxes).build());
    }
    return List.copyOf(managers);
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
