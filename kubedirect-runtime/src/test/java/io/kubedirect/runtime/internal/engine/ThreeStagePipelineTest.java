package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static io.kubedirect.runtime.internal.engine.TestPods.withPhase;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.FaultSpec;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * ReplicaSet-like producer -> scheduler (relay) -> two sandbox managers, with reactive
 * "controllers" driven by the ephemeral stores, under injected faults. Checks the invariants at the
 * end: every pod persisted exactly once on the node the scheduler chose, nothing left dirty or
 * ephemeral.
 */
class ThreeStagePipelineTest {

  static final StageDeclaration RS =
      StageDeclaration.builder("rs").downstream("scheduler").emits(V1Pod.class).build();
  static final StageDeclaration SCHED =
      StageDeclaration.builder("scheduler")
          .upstream("rs")
          .downstream("sm")
          .receives(V1Pod.class)
          .emits(V1Pod.class)
          .build();
  static final StageDeclaration SM =
      StageDeclaration.builder("sm").upstream("scheduler").receives(V1Pod.class).build();

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void everyPodIsPersistedExactlyOnceOnItsChosenNode(long seed) {
    run(seed, false);
  }

  @ParameterizedTest
  @ValueSource(longs = {11, 12, 13, 14, 15})
  void aSchedulerCrashInTheMiddleLosesAndDuplicatesNothing(long seed) {
    run(seed, true);
  }

  private void run(long seed, boolean crashScheduler) {
    DeterministicTaskScheduler sched = new DeterministicTaskScheduler(seed);
    InMemoryNetwork net =
        InMemoryNetwork.builder(sched).seed(seed).latency(Duration.ofMillis(1)).build();
    net.faults().setGlobal(FaultSpec.builder().delay(Duration.ZERO, Duration.ofMillis(5)).build());
    FakePersistedStore persisted = new FakePersistedStore(sched);
    FakeDiscovery discovery = new FakeDiscovery();
    EpochSource epochs = EpochSource.fromMicros(() -> sched.nanoTime() / 1000);
    List<StageEngine> engines = new ArrayList<>();

    StageEngine[] sms = new StageEngine[2];
    for (int n = 0; n < 2; n++) {
      sms[n] =
          StageEngine.builder()
              .stage(SM)
              .transport(net.transport("sm"))
              .scheduler(sched)
              .persistedApi(persisted)
              .persistedFeed(persisted)
              .listen(new PeerAddress("node-" + n, 0))
              .epochSource(epochs)
              .build();
      sms[n].start();
      engines.add(sms[n]);
    }
    io.kubedirect.transport.inmemory.InMemoryTransport schedT = net.transport("scheduler");
    StageEngine[] scheduler = {
      StageEngine.builder()
          .stage(SCHED)
          .transport(schedT)
          .scheduler(sched)
          .persistedApi(persisted)
          .persistedFeed(persisted)
          .listen(new PeerAddress("scheduler", 0))
          .discovery(discovery)
          .epochSource(epochs)
          .build()
    };
    scheduler[0].start();
    engines.add(scheduler[0]);
    sched.runFor(Duration.ofMillis(10));
    PeerAddress schedAddr = scheduler[0].localAddress().orElseThrow();
    discovery.put("scheduler", "", schedAddr);
    for (int n = 0; n < 2; n++) {
      discovery.put("sm", "node-" + n, sms[n].localAddress().orElseThrow());
    }
    StageEngine rs =
        StageEngine.builder()
            .stage(RS)
            .transport(net.transport("rs"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(epochs)
            .build();
    rs.start();
    engines.add(rs);

    // Scheduler "controller": binds every unbound pod it holds, round robin.
    int[] next = {0};
    java.util.function.Consumer<StageEngine> bindController =
        s ->
            s.store()
                .addListener(
                    new EphemeralStore.Listener() {
                      @Override
                      public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                        V1Pod p = (V1Pod) e.object();
                        if (p.getSpec().getNodeName() == null) {
                          V1Pod bound = ObjectSupport.deepCopy(p);
                          bound.getSpec().setNodeName("node-" + (next[0]++ % 2));
                          sched.execute(() -> s.write(POD, WriteOp.UPDATE, bound));
                        }
                      }

                      @Override
                      public void onRemove(EphemeralEntry e, RemovalReason reason) {}
                    });
    bindController.accept(scheduler[0]);
    // Sandbox manager "controller": starts every pod it receives and reports Running.
    for (StageEngine sm : sms) {
      sm.store()
          .addListener(
              new EphemeralStore.Listener() {
                @Override
                public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
                  V1Pod p = (V1Pod) e.object();
                  if (p.getStatus() == null) {
                    V1Pod running = withPhase(p, "Running");
                    sched.execute(() -> sm.write(POD, WriteOp.UPDATE_STATUS, running));
                  }
                }

                @Override
                public void onRemove(EphemeralEntry e, RemovalReason reason) {}
              });
    }

    int pods = 40;
    List<CompletableFuture<KubernetesObject>> created = new ArrayList<>();
    for (int i = 0; i < pods; i++) {
      created.add(rs.write(POD, WriteOp.CREATE, pod("fn-" + i, null)));
      if (i == pods / 2) {
        sched.runFor(Duration.ofMillis(3));
        if (crashScheduler) {
          schedT.crash();
          scheduler[0].close();
          scheduler[0] =
              StageEngine.builder()
                  .stage(SCHED)
                  .transport(net.transport("scheduler"))
                  .scheduler(sched)
                  .persistedApi(persisted)
                  .persistedFeed(persisted)
                  .listen(schedAddr)
                  .discovery(discovery)
                  .epochSource(epochs)
                  .build();
          bindController.accept(scheduler[0]);
          scheduler[0].start();
          engines.add(scheduler[0]);
        } else {
          net.faults().killLinks("scheduler", "sm");
        }
      }
    }
    boolean converged =
        sched.runUntil(
            () ->
                persisted.list(POD).size() == pods
                    && persisted.list(POD).stream().allMatch(o -> ((V1Pod) o).getStatus() != null)
                    && rs.dirtyCount() == 0
                    && scheduler[0].dirtyCount() == 0
                    && scheduler[0].store().size() == 0
                    && sms[0].store().size() == 0
                    && sms[1].store().size() == 0,
            Duration.ofMinutes(2));
    try {
      assertThat(converged)
          .as(
              "converged; persisted=%d rsDirty=%d schedDirty=%d",
              persisted.list(POD).size(), rs.dirtyCount(), scheduler[0].dirtyCount())
          .isTrue();
      assertThat(created).allMatch(f -> f.isDone() && !f.isCompletedExceptionally());
      Set<String> names = new HashSet<>();
      for (KubernetesObject o : persisted.list(POD)) {
        V1Pod p = (V1Pod) o;
        assertThat(names.add(p.getMetadata().getName())).isTrue();
        assertThat(p.getSpec().getNodeName()).isIn("node-0", "node-1");
        assertThat(p.getStatus().getPhase()).isEqualTo("Running");
      }
      // No duplicate: exactly one successful create per pod.
      assertThat(persisted.log.stream().filter(s -> s.startsWith("CREATE")).count())
          .isEqualTo(pods);
      // Status is written only by the sandbox manager of the node the pod is bound to.
      assertThat(persisted.log.stream().filter(s -> s.startsWith("UPDATE_STATUS")).count())
          .isEqualTo(pods);
      assertThat(sched.errors()).isEmpty();
    } finally {
      engines.forEach(StageEngine::close);
    }
  }
}
