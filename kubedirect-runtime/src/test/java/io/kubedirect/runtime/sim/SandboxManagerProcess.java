package io.kubedirect.runtime.sim;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The tail: a sandbox manager of one node. It "starts" every pod it receives (a sandbox start takes
 * a per-pod delay with the {@code sandboxDelay} fault class, 0 otherwise) and then writes it back
 * through the engine (create with nodeName, then status Ready; with {@code exposeOnReceipt} the
 * engine creates it on receipt already); persisted pods of its node that are not Ready get their
 * status written directly.
 */
final class SandboxManagerProcess extends StageProcess {

  static final StageDeclaration DECL =
      StageDeclaration.builder("sandbox-manager")
          .upstream("scheduler")
          .receives(V1Pod.class)
          .build();

  /** With a subscriber: publishes its pods to the activator. */
  static final StageDeclaration PUBLISHING =
      StageDeclaration.builder("sandbox-manager")
          .upstream("scheduler")
          .receives(V1Pod.class)
          .subscribers("activator")
          .build();

  final String node;
  private final Set<String> writing = new HashSet<>();
  private final Set<String> written = new HashSet<>();

  /** key -> virtual time (ns) at which the pod's sandbox is up. */
  private final java.util.Map<String, Long> starting = new java.util.HashMap<>();

  SandboxManagerProcess(ChainSimulation sim, String node, int incarnation) {
    super(
        sim,
        "sm-" + node,
        incarnation,
        ChainSimulation.SUBSCRIBER ? PUBLISHING : DECL,
        address(node));
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
      if (!sandboxUp(p)) {
        continue;
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
      f.whenComplete(
          (r, ex) -> {
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
    Set<String> wanted = new HashSet<>(inStore);
    for (V1Pod p : persisted.values()) {
      String key = SimPods.key(p);
      if (!node.equals(SimPods.nodeName(p))
          || SimPods.isReady(p)
          || inStore.contains(key)
          || writing.contains(key)) {
        continue;
      }
      wanted.add(key);
      if (!sandboxUp(p)) {
        continue;
      }
      writing.add(key);
      engine
          .write(SimPods.KIND, WriteOp.UPDATE_STATUS, SimPods.ready(p))
          .whenComplete(
              (r, ex) -> {
                if (!isDead()) {
                  writing.remove(key);
                }
              });
    }
    starting
        .keySet()
        .retainAll(wanted); // retracted, deleted or Ready meanwhile: that sandbox is torn down
  }

  /**
   * Whether the sandbox of {@code p} is up; starts it (and schedules a reconcile for when it is up)
   * on first sight. Sandboxes of pods no longer wanted are forgotten at the end of each pass.
   */
  private boolean sandboxUp(V1Pod p) {
    long delay = sim.sandboxDelayNanos(p.getMetadata().getName());
    if (delay <= 0) {
      return true;
    }
    String key = SimPods.key(p);
    long now = scope.nanoTime();
    Long upAt = starting.get(key);
    if (upAt == null) {
      starting.put(key, now + delay);
      scope.schedule(this::trigger, java.time.Duration.ofNanos(delay));
      return false;
    }
    return upAt <= now;
  }

  @Override
  boolean logicIdle() {
    return writing.isEmpty() && starting.isEmpty();
  }
}
