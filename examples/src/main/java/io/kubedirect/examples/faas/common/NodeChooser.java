package io.kubedirect.examples.faas.common;

import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/**
 * The example scheduler's placement rule: among Ready, schedulable Nodes labelled {@code
 * faas.kubedirect.io/pool=example}, the one with the fewest pods assigned; ties go to the
 * lexicographically smallest node name, so the choice is deterministic.
 */
public final class NodeChooser {

  private NodeChooser() {}

  /** True if the node belongs to the example pool, is Ready and is not cordoned. */
  public static boolean isEligible(V1Node node) {
    if (node.getMetadata() == null || node.getMetadata().getLabels() == null) {
      return false;
    }
    if (!FaasConventions.POOL_VALUE.equals(
        node.getMetadata().getLabels().get(FaasConventions.POOL_LABEL))) {
      return false;
    }
    if (node.getMetadata().getDeletionTimestamp() != null) {
      return false;
    }
    if (node.getSpec() != null && Boolean.TRUE.equals(node.getSpec().getUnschedulable())) {
      return false;
    }
    return isReady(node);
  }

  /** True if the node's Ready condition is True. */
  public static boolean isReady(V1Node node) {
    if (node.getStatus() == null || node.getStatus().getConditions() == null) {
      return false;
    }
    for (V1NodeCondition c : node.getStatus().getConditions()) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /**
   * The node to place the next pod on, or empty if no node is eligible.
   *
   * @param nodes candidate nodes (ineligible ones are skipped)
   * @param podsPerNode pods currently assigned per node name (missing means 0)
   */
  public static Optional<String> choose(
      Collection<V1Node> nodes, Map<String, Integer> podsPerNode) {
    String best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (V1Node node : nodes) {
      if (!isEligible(node)) {
        continue;
      }
      String name = node.getMetadata().getName();
      int load = podsPerNode.getOrDefault(name, 0);
      if (load < bestLoad || (load == bestLoad && name.compareTo(best) < 0)) {
        best = name;
        bestLoad = load;
      }
    }
    return Optional.ofNullable(best);
  }
}
