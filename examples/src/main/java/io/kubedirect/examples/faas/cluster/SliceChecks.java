package io.kubedirect.examples.faas.cluster;

import io.kubedirect.examples.faas.common.Pods;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Checks that the pods of one function, as the API Server shows them, are exactly what the slice
 * should have produced: the expected number of active pods, unique names and IPs, a controlling
 * ReplicaSet owner, bound to a pool node, Ready.
 */
public final class SliceChecks {

  private SliceChecks() {}

  /**
   * Problems found (empty if none).
   *
   * @param pods the pods of the function (terminating ones are ignored)
   * @param expected expected number of active pods
   * @param poolNodes names of the pool nodes
   * @param ownerUid the expected ReplicaSet UID, or null to accept any controlling ReplicaSet
   */
  public static List<String> problems(
      Collection<V1Pod> pods, int expected, Set<String> poolNodes, String ownerUid) {
    List<String> problems = new ArrayList<>();
    List<V1Pod> active = pods.stream().filter(Pods::isActive).collect(Collectors.toList());
    if (active.size() != expected) {
      problems.add("expected " + expected + " active pods, found " + active.size());
    }
    Map<String, Integer> names = new HashMap<>();
    Map<String, Integer> ips = new HashMap<>();
    for (V1Pod p : active) {
      String name = p.getMetadata().getName();
      names.merge(name, 1, Integer::sum);
      boolean owned =
          ownerUid == null
              ? Pods.controllerOf(p).filter(r -> "ReplicaSet".equals(r.getKind())).isPresent()
              : Pods.isControlledBy(p, ownerUid);
      if (!owned) {
        problems.add(
            name + ": no controlling ReplicaSet owner" + (ownerUid == null ? "" : " " + ownerUid));
      }
      String node = Pods.nodeName(p);
      if (node == null || !poolNodes.contains(node)) {
        problems.add(name + ": not bound to a pool node (" + node + ")");
      }
      if (!Pods.isReady(p)) {
        problems.add(name + ": not Ready");
      }
      String ip = p.getStatus() == null ? null : p.getStatus().getPodIP();
      if (ip == null) {
        problems.add(name + ": no pod IP");
      } else {
        ips.merge(ip, 1, Integer::sum);
      }
    }
    names.forEach(
        (n, c) -> {
          if (c > 1) {
            problems.add("pod name " + n + " appears " + c + " times");
          }
        });
    ips.forEach(
        (ip, c) -> {
          if (c > 1) {
            problems.add("pod IP " + ip + " used " + c + " times");
          }
        });
    return problems;
  }
}
