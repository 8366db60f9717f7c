package io.kubedirect.runtime.sim;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.internal.engine.EngineLimits;
import io.kubedirect.runtime.internal.engine.EpochSource;
import io.kubedirect.runtime.internal.engine.StageEngine;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryTransport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * One incarnation of a simulated stage process: its engine (built only from seams), its
 * informer-like view of persisted pods, and its level-triggered reconcile loop. A crash drops all
 * of it; a restart builds a new one.
 */
abstract class StageProcess {

  static final Duration RESYNC = Duration.ofMillis(100);

  final ChainSimulation sim;
  final String instance;
  final int incarnation;
  final DeterministicTaskScheduler.Scope scope;
  final InMemoryTransport transport;
  final EpochFenceObserver fence;
  final SimulatedApiServer.Feed feed;
  final StageEngine engine;

  /** The informer view of persisted pods, by key; lags behind the API Server. */
  final TreeMap<String, V1Pod> persisted = new TreeMap<>();

  private boolean dead;

  /** Whether the informer view has received the initial state (like {@code hasSynced()}). */
  java.util.function.BooleanSupplier feedSynced = () -> false;

  private boolean reconcileQueued;

  /** How long a queued reconcile waits (events in between coalesce into it); 0: it runs at once. */
  long reconcileLagNanos;

  StageProcess(
      ChainSimulation sim,
      String instance,
      int incarnation,
      StageDeclaration decl,
      PeerAddress listen) {
    this.sim = sim;
    this.instance = instance;
    this.incarnation = incarnation;
    this.scope = sim.sched.newScope();
    this.transport = InMemoryTransport.builder(sim.net, decl.name()).instance(instance).build();
    this.fence = new EpochFenceObserver(transport, instance + "#" + incarnation, sim.violations);
    this.feed = sim.api.newFeed(instance + "#" + incarnation, sim.config.watchDelay());
    StageEngine.Builder b =
        StageEngine.builder()
            .stage(decl)
            .transport(fence)
            .discovery(sim.discovery)
            .scheduler(scope)
            .persistedApi(sim.api.clientFor(instance + "#" + incarnation))
            .persistedFeed(feed)
            .epochSource(EpochSource.fromMicros(sim.clockOf(instance)))
            .limits(
                EngineLimits.defaults()
                    .withFallbackAfter(sim.config.fallbackAfter())
                    .withRetry(Duration.ofMillis(20), Duration.ofMillis(500)));
    if (listen != null) {
      b.listen(listen);
    }
    if (!decl.subscribers().isEmpty()) {
      b.instance(instance);
    }
    if (decl.name().equals("sandbox-manager") && sim.faults.exposeOnReceipt()) {
      b.writeBack(SimPods.KIND, io.kubedirect.api.WriteBackPolicy.EXPOSE_ON_RECEIPT);
    }
    if (!ChainSimulation.HEAD_VIEW && decl.upstreams().isEmpty()) {
      b.adoption(
          io.kubedirect.runtime.internal.engine.AdoptionPolicy
              .never()); // the behaviour before the head view
    }
    this.engine = b.build();
  }

  void start() {
    feedSynced =
        feed.watch(
            SimPods.KIND,
            o -> {
              persisted.put(SimPods.key(o), (V1Pod) o);
              observed(SimPods.key(o));
              trigger();
            },
            o -> {
              persisted.remove(SimPods.key(o));
              trigger();
            });
    EphemeralStore.Listener retrigger =
        new EphemeralStore.Listener() {
          @Override
          public void onUpsert(EphemeralEntry entry, EphemeralEntry previous) {
            observed(entry.key());
            trigger();
          }

          @Override
          public void onRemove(EphemeralEntry entry, RemovalReason reason) {
            trigger();
          }
        };
    engine.store().addListener(retrigger);
    engine.emittedView().addListener(retrigger);
    engine.start();
    resync();
  }

  private void resync() {
    scope.schedule(
        () -> {
          trigger();
          resync();
        },
        RESYNC);
  }

  /**
   * An informer event showed the object {@code key} (ns/name) exists; the stage logic may settle
   * expectations.
   */
  void observed(String key) {}

  /** Queues a reconcile (coalesced). */
  final void trigger() {
    if (dead || reconcileQueued) {
      return;
    }
    reconcileQueued = true;
    Runnable run =
        () -> {
          reconcileQueued = false;
          if (!dead) {
            reconcile();
          }
        };
    if (reconcileLagNanos > 0) {
      scope.schedule(run, Duration.ofNanos(reconcileLagNanos));
    } else {
      scope.execute(run);
    }
  }

  /** The cause under CompletionException wrappers. */
  static Throwable root(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  boolean isDead() {
    return dead;
  }

  /** The process dies: no callback, timer or informer event of this incarnation runs again. */
  void crash() {
    dead = true;
    transport.crash();
    feed.close();
    scope.close();
  }

  /** Ephemeral pods the engine holds, by key order. */
  List<V1Pod> ephemeralPods() {
    List<V1Pod> out = new ArrayList<>();
    for (KubernetesObject o : engine.store().list(SimPods.KIND)) {
      out.add((V1Pod) o);
    }
    out.sort((a, b) -> SimPods.key(a).compareTo(SimPods.key(b)));
    return out;
  }

  /** Objects this incarnation still tracks (for the memory invariant). */
  int memory() {
    return engine.store().size() + engine.dirtyCount();
  }

  /**
   * The downstream addresses this incarnation's engine writes to through the API Server (fallback).
   */
  List<PeerAddress> fallbackAddresses() {
    List<PeerAddress> out = new ArrayList<>();
    for (String down : engine.stage().downstreams()) {
      for (PeerAddress a : sim.discovery.addresses(down)) {
        if (engine.inFallback(a)) {
          out.add(a);
        }
      }
    }
    return out;
  }

  /** Whether the stage logic has work in flight of its own. */
  abstract boolean logicIdle();

  /** One level-triggered pass over the views. */
  abstract void reconcile();

  /** A line for failure reports. */
  String describe() {
    return instance
        + "#"
        + incarnation
        + (dead ? " DEAD" : "")
        + " store="
        + engine.store().size()
        + " dirty="
        + engine.dirtyCount()
        + " fence="
        + fence.epochs();
  }
}
