package io.kubedirect.runtime.sim;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.engine.ObjectSupport;
import io.kubedirect.runtime.engine.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The tail: a sandbox manager of one node. It "starts" every pod it receives and writes it back through the
 * engine (create with nodeName, then status Ready); persisted pods of its node that are not Ready get their
 * status written directly.
 */
final class SandboxManagerProcess extends StageProcess {

  static final StageDeclaration DECL = StageDeclaration.builder("sandbox-manager").upstream("scheduler")
      .receives(V1Pod.class).build();

  final String node;
  private final Set<String> writing = new HashSet<>();
  private final Set<String> written = new HashSet<>();

  SandboxManagerProcess(ChainSimulation sim, String node, int incarnation) {
    super(sim, "sm-" + node, incarnation, DECL, address(node));
    this.node = node;
  }

  static PeerAddress address(String node) {
    return new PeerAddress(node, 7000);
  }

  @Override
  void reconcile() {
    Set<String> inStore = new HashSet<>();
    for (V1Pod p : ephemeralPods()) {
      String key = SimPods.key(p);
      inStore.add(key);
      if (writing.contains(key) || written.contains(key)) {
        continue;
      }
      if (!node.equals(SimPods.nodeName(p))) {
        sim.violations.add(instance + " received " + key + " bound to " + SimPods.nodeName(p));
      }
      V1Pod ready = SimPods.ready(p);
      writing.add(key);
      CompletableFuture<?> f;
      if (ObjectSupport.persistedRv(p) == null) {
        f = engine.write(SimPods.KIND, WriteOp.UPDATE_STATUS, ready);
      } else {
        engine.write(SimPods.KIND, WriteOp.UPDATE, ready);
        f = engine.write(SimPods.KIND, WriteOp.UPDATE_STATUS, ready);
      }
      f.whenComplete((r, ex) -> {
        if (isDead()) {
          return;
        }
        writing.remove(key);
        if (ex == null) {
          written.add(key);
        } else {
          sim.note(instance + " write-back of " + key + " failed: " + ex);
        }
      });
    }
    written.retainAll(inStore);
    for (V1Pod p : persisted.values()) {
      String key = SimPods.key(p);
      if (!node.equals(SimPods.nodeName(p)) || SimPods.isReady(p) || inStore.contains(key)
          || !writing.add(key)) {
        continue;
      }
      engine.write(SimPods.KIND, WriteOp.UPDATE_STATUS, SimPods.ready(p)).whenComplete((r, ex) -> {
        if (!isDead()) {
          writing.remove(key);
        }
      });
    }
  }

  @Override
  boolean logicIdle() {
    return writing.isEmpty();
  }
}
