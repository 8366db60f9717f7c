package io.kubedirect.runtime.sim;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.HashSet;
import java.util.Set;

/**
 * A scheduler: every pod it sees without a node (ephemeral from the ReplicaSet stage, or persisted
 * through the fallback path) is bound to a node and emitted to that node's sandbox manager. The
 * node is a function of the pod name, so restarts bind consistently; with the headPartition fault
 * class it is the next node in turn instead, as the example scheduler chooses (so a pod placed
 * twice may land on another node).
 */
final class SchedulerProcess extends StageProcess {

  static final StageDeclaration DECL =
      StageDeclaration.builder("scheduler")
          .upstream("replicaset")
          .downstream("sandbox-manager")
          .receives(V1Pod.class)
          .emits(V1Pod.class)
          .build();
  static final PeerAddress ADDRESS = new PeerAddress("scheduler", 7000);

  private final Set<String> bindingPersisted = new HashSet<>();
  private int nextNode;

  SchedulerProcess(ChainSimulation sim, int incarnation) {
    super(sim, "scheduler", incarnation, DECL, ADDRESS);
  }

  @Override
  void reconcile() {
    for (V1Pod p : ephemeralPods()) {
      String key = SimPods.key(p);
      if (SimPods.nodeName(p) != null || persisted.containsKey(key)) {
        continue;
      }
      V1Pod unbound = p;
      // write() updates the local store right away (nodeName set), so the next pass skips this pod.
      engine
          .write(SimPods.KIND, WriteOp.CREATE, SimPods.bound(p, node(p)))
          .whenComplete(
              (r, ex) -> {
                if (ex != null && !isDead()) {
                  sim.note(instance + " bind of " + key + " failed: " + ex);
                  if (root(ex) instanceof io.kubedirect.api.WriteException w
                      && w.status() == io.kubedirect.api.WriteResult.Status.FAILED) {
                    // Rejected for good (e.g. admission, on the fallback path): requeue with a
                    // delay, as a
                    // rate-limited work queue does, instead of spinning at one instant.
                    scope.schedule(
                        () -> {
                          if (!isDead() && engine.store().get(SimPods.KIND, key).isPresent()) {
                            engine.store().replaceLocal(SimPods.KIND, key, unbound);
                          }
                        },
                        RESYNC);
                  } else {
                    engine
                        .store()
                        .replaceLocal(SimPods.KIND, key, unbound); // unbind locally: resync retries
                  }
                }
              });
    }
    bindingPersisted.retainAll(persisted.keySet());
    for (V1Pod p : persisted.values()) {
      String key = SimPods.key(p);
      if (SimPods.nodeName(p) == null && bindingPersisted.add(key)) {
        engine
            .write(SimPods.KIND, WriteOp.UPDATE, SimPods.bound(p, node(p)))
            .whenComplete(
                (r, ex) -> {
                  if (!isDead()) {
                    bindingPersisted.remove(key);
                  }
                });
      }
    }
  }

  private String node(V1Pod p) {
    if (sim.faults.headPartition() == null) {
      return sim.nodeFor(p.getMetadata().getName());
    }
    java.util.List<String> nodes = sim.config.nodes();
    return nodes.get(nextNode++ % nodes.size());
  }

  @Override
  boolean logicIdle() {
    return bindingPersisted.isEmpty();
  }
}
