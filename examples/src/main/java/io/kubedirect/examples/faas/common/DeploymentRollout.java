package io.kubedirect.examples.faas.common;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How the example deployment stage splits a Deployment's {@code spec.replicas} over its
 * ReplicaSets: the current revision's ReplicaSet ("new") and the older ones ("old"). Pure; the
 * controller applies the result.
 *
 * <ul>
 *   <li>{@link Strategy#ROLLING} (the default, {@code RollingUpdate}): the new ReplicaSet gets all
 *       the replicas at once (a surge of up to 100%), and the old ones keep only as many as the new
 *       one still lacks Ready pods ({@code replicas - newReady}), newest old ReplicaSet first,
 *       never more than they have. Capacity never drops below the wanted replicas during a rollout,
 *       and it ends with the new revision's pods only. The Deployment's {@code maxSurge}/{@code
 *       maxUnavailable} are not read.
 *   <li>{@link Strategy#RECREATE}: every old ReplicaSet goes to 0 first; the new one gets the
 *       replicas once no old pod is left.
 * </ul>
 */
public final class DeploymentRollout {

  private DeploymentRollout() {}

  /** The Deployment's {@code spec.strategy.type}. */
  public enum Strategy {
    /** {@code RollingUpdate} (also for an absent or unknown type). */
    ROLLING,
    /** {@code Recreate}. */
    RECREATE;

    /** The strategy named by {@code type} ({@code "Recreate"}; anything else is rolling). */
    public static Strategy of(String type) {
      return "Recreate".equals(type) ? RECREATE : ROLLING;
    }
  }

  /**
   * One ReplicaSet as the plan sees it.
   *
   * @param name its name
   * @param replicas its {@code spec.replicas}
   * @param actual its {@code status.replicas} (pods that exist)
   * @param ready its {@code status.readyReplicas}
   * @param createdMillis creation time (orders the old ReplicaSets, newest first)
   */
  public record ReplicaSetState(
      String name, int replicas, int actual, int ready, long createdMillis) {
    /** Validates the name. */
    public ReplicaSetState {
      Objects.requireNonNull(name, "name");
    }
  }

  /**
   * The {@code spec.replicas} each ReplicaSet should have.
   *
   * @param newReplicas the target of the new ReplicaSet
   * @param oldReplicas the targets of the old ReplicaSets, in the order they were given
   */
  public record Plan(int newReplicas, List<Integer> oldReplicas) {
    /** Copies the list. */
    public Plan {
      oldReplicas = List.copyOf(oldReplicas);
    }
  }

  /**
   * Plans {@code desired} replicas over the new ReplicaSet {@code current} (its state now; a
   * ReplicaSet about to be created has 0 of everything) and the {@code old} ones.
   */
  public static Plan plan(
      Strategy strategy, int desired, ReplicaSetState current, List<ReplicaSetState> old) {
    if (desired < 0) {
      throw new IllegalArgumentException("desired must be >= 0");
    }
    List<Integer> oldTargets = new ArrayList<>(old.size());
    if (strategy == Strategy.RECREATE) {
      old.forEach(o -> oldTargets.add(0));
      boolean oldGone = old.stream().allMatch(o -> o.actual() == 0);
      return new Plan(oldGone ? desired : 0, oldTargets);
    }
    int budget = Math.max(0, desired - current.ready());
    List<ReplicaSetState> newestFirst = new ArrayList<>(old);
    newestFirst.sort(
        Comparator.comparingLong(ReplicaSetState::createdMillis)
            .reversed()
            .thenComparing(ReplicaSetState::name));
    Map<String, Integer> targets = new HashMap<>();
    for (ReplicaSetState o : newestFirst) {
      int keep = Math.min(o.replicas(), budget);
      targets.put(o.name(), keep);
      budget -= keep;
    }
    old.forEach(o -> oldTargets.add(targets.get(o.name())));
    return new Plan(desired, oldTargets);
  }
}
