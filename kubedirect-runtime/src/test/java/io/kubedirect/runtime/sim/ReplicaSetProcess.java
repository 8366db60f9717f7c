package io.kubedirect.runtime.sim;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.engine.WriteOp;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A ReplicaSet-like producer: for each owner, keeps (persisted pods + pods it created and has not seen
 * persisted yet) equal to the desired count, creating uniquely named pods (emitted downstream by the engine)
 * and deleting persisted surplus pods through the API. Its expectations die with the process, like the
 * real controller's.
 */
final class ReplicaSetProcess extends StageProcess {

  static final StageDeclaration DECL = StageDeclaration.builder("replicaset").downstream("scheduler")
      .emits(V1Pod.class).build();

  /** owner -> names created by this incarnation and not yet seen persisted. */
  private final Map<String, Set<String>> expectations = new TreeMap<>();
  private final Set<String> deleting = new HashSet<>();
  private int counter;

  ReplicaSetProcess(ChainSimulation sim, int incarnation) {
    super(sim, "replicaset", incarnation, DECL, null);
  }

  @Override
  void reconcile() {
    deleting.retainAll(persisted.keySet());
    for (Map.Entry<String, Integer> d : sim.desired.entrySet()) {
      String owner = d.getKey();
      List<V1Pod> mine = new ArrayList<>();
      for (V1Pod p : persisted.values()) {
        if (owner.equals(SimPods.owner(p))) {
          mine.add(p);
        }
      }
      Set<String> exp = expectations.computeIfAbsent(owner, o -> new TreeSet<>());
      exp.removeIf(name -> persisted.containsKey(SimulatedApiServer.key(SimPods.NAMESPACE, name)));
      int live = 0;
      for (V1Pod p : mine) {
        if (!deleting.contains(SimPods.key(p))) {
          live++;
        }
      }
      int have = live + exp.size();
      int want = d.getValue();
      for (int i = have; i < want; i++) {
        String name = owner + "-r" + incarnation + "-" + (++counter);
        exp.add(name);
        engine.write(SimPods.KIND, WriteOp.CREATE, SimPods.newPod(owner, name)).whenComplete((r, ex) -> {
          if (ex != null && !isDead()) {
            sim.note(instance + " create of " + name + " failed: " + ex);
            exp.remove(name); // the periodic resync retries, like a rate-limited requeue
          }
        });
      }
      if (have > want) {
        int surplus = have - want;
        mine.sort((a, b) -> SimPods.key(b).compareTo(SimPods.key(a)));
        for (V1Pod p : mine) {
          if (surplus == 0) {
            break;
          }
          String key = SimPods.key(p);
          if (deleting.add(key)) {
            surplus--;
            engine.write(SimPods.KIND, WriteOp.DELETE, p).whenComplete((r, ex) -> {
              if (ex != null && !isDead()) {
                sim.note(instance + " delete of " + key + " failed: " + ex);
                // Stays in `deleting` until the informer shows the pod gone; resync retries otherwise.
                if (!(root(ex) instanceof io.kubedirect.runtime.WriteException w
                    && w.status() == io.kubedirect.runtime.spi.WriteResult.Status.NOT_FOUND)) {
                  deleting.remove(key);
                }
              }
            });
          }
        }
      }
    }
  }

  /** Pods created by this incarnation and not yet seen persisted. */
  int expected() {
    int n = 0;
    for (Set<String> s : expectations.values()) {
      n += s.size();
    }
    return n;
  }

  @Override
  boolean logicIdle() {
    return expected() == 0 && deleting.isEmpty();
  }

  @Override
  String describe() {
    return super.describe() + " expectations=" + expectations + " deleting=" + deleting;
  }
}
