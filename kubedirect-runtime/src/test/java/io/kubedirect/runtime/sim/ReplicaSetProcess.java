package io.kubedirect.runtime.sim;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;

/**
 * A ReplicaSet-like producer: for each owner, keeps (pods its informer view shows + pods it created
 * and does not see yet) equal to the desired count, creating uniquely named pods (emitted
 * downstream by the engine) and deleting surplus pods (persisted ones through the API, unpersisted
 * ones by retraction). Its view is the persisted pods plus the engine's {@code emittedView()} (its
 * own unpersisted pods, and after a restart those its downstream still holds), and it reconciles
 * only once the engine has {@code recovered()}, as a real controller waits for its informers to
 * sync. Its expectations die with the process, like the real controller's.
 */
final class ReplicaSetProcess extends StageProcess {

  static final StageDeclaration DECL =
      StageDeclaration.builder("replicaset").downstream("scheduler").emits(V1Pod.class).build();

  /** owner -> names created by this incarnation and not yet seen persisted. */
  private final Map<String, Set<String>> expectations = new TreeMap<>();

  private final Set<String> deleting = new HashSet<>();
  private int counter;
  private final CompletableFuture<Void> recovered = engine.recovered();

  ReplicaSetProcess(ChainSimulation sim, int incarnation) {
    super(sim, "replicaset", incarnation, DECL, null);
    if (sim.faults.burst() != null) {
      reconcileLagNanos = sim.faults.burst().lagMs() * 1_000_000L;
    }
  }

  @Override
  void reconcile() {
    if (!feedSynced.getAsBoolean() || (ChainSimulation.HEAD_VIEW && !recovered.isDone())) {
      return; // like waiting for the informers to sync: the view shows what the downstream holds
      // only then
    }
    TreeMap<String, V1Pod> view = view();
    deleting.retainAll(view.keySet());
    for (Map.Entry<String, Integer> d : sim.desired.entrySet()) {
      String owner = d.getKey();
      List<V1Pod> mine = new ArrayList<>();
      for (V1Pod p : view.values()) {
        if (owner.equals(SimPods.owner(p))) {
          mine.add(p);
        }
      }
      Set<String> exp = expectations.computeIfAbsent(owner, o -> new TreeSet<>());
      exp.removeIf(name -> view.containsKey(SimulatedApiServer.key(SimPods.NAMESPACE, name)));
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
        sim.countCreate(owner);
        engine
            .write(SimPods.KIND, WriteOp.CREATE, SimPods.newPod(owner, name))
            .whenComplete(
                (r, ex) -> {
                  if (ex != null && !isDead()) {
                    sim.note(instance + " create of " + name + " failed: " + ex);
                    if (root(ex) instanceof io.kubedirect.api.WriteException w
                        && w.status() == io.kubedirect.api.WriteResult.Status.FAILED) {
                      // Rejected for good (admission): requeue with a delay, as a rate-limited work
                      // queue does; an
                      // immediate retry would spin at one instant when the rejection comes back at
                      // once (fallback path).
                      // The expectation stays until then, even if the view's event that showed the
                      // pod settled it (seed
                      // 5430: a head in fallback re-created rejected pods at one instant, over
                      // 200,000 tasks; these pods
                      // carry no controller reference, so the engine's per-owner fail-fast does not
                      // apply).
                      exp.add(name);
                      scope.schedule(
                          () -> {
                            exp.remove(name);
                            trigger();
                          },
                          RESYNC);
                    } else {
                      exp.remove(name); // the periodic resync retries, like a rate-limited requeue
                    }
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
          if (delete(p, "surplus")) {
            surplus--;
          }
        }
      }
    }
  }

  /**
   * Deletes {@code p} (persisted or not) unless already deleting it; returns whether a delete was
   * sent.
   */
  private boolean delete(V1Pod p, String why) {
    String key = SimPods.key(p);
    if (!deleting.add(key)) {
      return false;
    }
    sim.rsDeletes++;
    boolean unpersisted = io.kubedirect.runtime.internal.model.ObjectSupport.persistedRv(p) == null;
    if (unpersisted) {
      sim.rsUnpersistedDeletes++;
    }
    long issued = scope.nanoTime();
    sim.headDeleteIssued(key);
    sim.note(
        instance
            + " deletes "
            + key
            + (unpersisted ? " (unpersisted, " : " (persisted, ")
            + why
            + ")");
    engine
        .write(SimPods.KIND, WriteOp.DELETE, p)
        .whenComplete(
            (r, ex) -> {
              if (ex == null) {
                sim.headDeleteCompleted(
                    key,
                    instance + "#" + incarnation,
                    issued,
                    unpersisted,
                    engine.inFallback(SchedulerProcess.ADDRESS));
              }
              if (ex != null && !isDead()) {
                sim.note(instance + " delete of " + key + " failed: " + ex);
                // Stays in `deleting` until the informer shows the pod gone; resync retries
                // otherwise.
                if (!(root(ex) instanceof io.kubedirect.api.WriteException w
                    && w.status() == io.kubedirect.api.WriteResult.Status.NOT_FOUND)) {
                  deleting.remove(key);
                }
              }
            });
    return true;
  }

  /**
   * The {@code headDeletes} fault: deletes one pod of this stage's view, persisted or not (e.g. a
   * pod the controller finds unhealthy); its reconcile then creates a replacement. Returns the key,
   * or null.
   */
  String deleteOne(java.util.Random r) {
    if (!feedSynced.getAsBoolean() || (ChainSimulation.HEAD_VIEW && !recovered.isDone())) {
      return null;
    }
    List<V1Pod> candidates = new ArrayList<>();
    for (V1Pod p : view().values()) {
      if (!deleting.contains(SimPods.key(p))) {
        candidates.add(p);
      }
    }
    if (candidates.isEmpty()) {
      return null;
    }
    V1Pod p = candidates.get(r.nextInt(candidates.size()));
    delete(p, "headDeletes fault");
    return SimPods.key(p);
  }

  /**
   * The informer view of pods: persisted ones plus this stage's own unpersisted ones (the API copy
   * wins).
   */
  TreeMap<String, V1Pod> view() {
    TreeMap<String, V1Pod> view = new TreeMap<>(persisted);
    if (ChainSimulation.HEAD_VIEW) {
      for (KubernetesObject o : engine.emittedView().list(SimPods.KIND)) {
        view.putIfAbsent(SimPods.key((V1Pod) o), (V1Pod) o);
      }
    }
    return view;
  }

  /**
   * A create expectation is settled by the event that shows the pod (like the real controller's
   * {@code CreationObserved} in its add handler), not only by a reconcile that finds it in the
   * view: with a lagging work queue a pod may appear and be gone (evicted) between two reconciles.
   */
  @Override
  void observed(String key) {
    for (Set<String> exp : expectations.values()) {
      exp.remove(key.substring(key.indexOf('/') + 1));
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
