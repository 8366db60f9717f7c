package io.kubedirect.runtime.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.Ack;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.protocol.v1.HandshakeSnapshot;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.runtime.internal.engine.EpochSource;
import io.kubedirect.runtime.internal.engine.StageEngine;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.FaultSpec;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class EpochFenceObserverTest {

  private final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(3);
  private final InMemoryNetwork net =
      InMemoryNetwork.builder(sched).latency(Duration.ofMillis(1)).build();
  private final List<String> violations = new ArrayList<>();

  @Test
  void flagsAReceiverThatAppliesABatchOfAStaleEpoch() {
    EpochFenceObserver observed =
        new EpochFenceObserver(net.transport("scheduler"), "scheduler", violations);
    // A broken receiver: installs every epoch and acknowledges every batch, whatever its epoch.
    observed.listen(
        new PeerAddress("scheduler", 0),
        new LinkHandler() {
          @Override
          public void onMessage(Link link, Envelope m) {
            if (m.hasHandshakeRequest()) {
              link.send(
                  Envelope.newBuilder()
                      .setEpoch(m.getEpoch())
                      .setHandshakeSnapshot(HandshakeSnapshot.getDefaultInstance())
                      .build());
            } else if (m.hasObjectBatch()) {
              link.send(
                  Envelope.newBuilder()
                      .setEpoch(m.getEpoch())
                      .setAck(Ack.newBuilder().setSeq(m.getSeq()))
                      .build());
            }
          }
        });
    ClientLink c =
        net.transport("replicaset")
            .connect(new PeerAddress("scheduler", 40_000), "scheduler", (link, m) -> {});
    sched.runFor(Duration.ofMillis(10));
    Link l = c.current().orElseThrow();
    l.send(
        Envelope.newBuilder()
            .setSeq(1)
            .setEpoch(5)
            .setHandshakeRequest(
                HandshakeRequest.newBuilder().setSource("replicaset").setDestination("scheduler"))
            .build());
    l.send(
        Envelope.newBuilder()
            .setSeq(2)
            .setEpoch(5)
            .setObjectBatch(ObjectBatch.newBuilder().setKind(SimPods.KIND))
            .build());
    l.send(
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(4)
            .setObjectBatch(ObjectBatch.newBuilder().setKind(SimPods.KIND))
            .build());
    sched.runFor(Duration.ofMillis(10));

    assertThat(observed.appliedBatches()).isEqualTo(2);
    assertThat(observed.staleArrivals()).isEqualTo(1);
    assertThat(violations)
        .singleElement()
        .satisfies(
            v ->
                assertThat(v)
                    .contains(
                        "applied a batch of epoch 4 from replicaset while its current epoch is 5"));
  }

  @Test
  void theEngineFencesABatchThatArrivesOnAHalfOpenLinkAfterTheReconnect() {
    SimulatedApiServer api = new SimulatedApiServer(sched, new Random(1), net.trace());
    SimDiscovery discovery = new SimDiscovery().add("scheduler", "", SchedulerProcess.ADDRESS);
    EpochFenceObserver fence =
        new EpochFenceObserver(net.transport("scheduler"), "scheduler", violations);
    StageEngine scheduler =
        StageEngine.builder()
            .stage(SchedulerProcess.DECL)
            .transport(fence)
            .discovery(discovery)
            .scheduler(sched)
            .persistedApi(api.clientFor("scheduler"))
            .persistedFeed(api.newFeed("scheduler", Duration.ofMillis(1)))
            .listen(SchedulerProcess.ADDRESS)
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1_000))
            .build();
    StageEngine replicaset =
        StageEngine.builder()
            .stage(ReplicaSetProcess.DECL)
            .transport(net.transport("replicaset"))
            .discovery(discovery)
            .scheduler(sched)
            .persistedApi(api.clientFor("replicaset"))
            .persistedFeed(api.newFeed("replicaset", Duration.ofMillis(1)))
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1_000))
            .build();
    scheduler.start();
    replicaset.start();
    sched.runFor(Duration.ofMillis(100));

    net.faults()
        .setGlobal(
            FaultSpec.builder().delay(Duration.ofMillis(200), Duration.ofMillis(200)).build());
    replicaset.write(SimPods.KIND, WriteOp.CREATE, SimPods.newPod("web", "p1"));
    sched.runFor(Duration.ofMillis(1)); // the batch is on the wire, 200 ms from the scheduler
    net.faults().clearAll();
    net.faults().halfOpen("replicaset", "scheduler");
    sched.runFor(
        Duration.ofMillis(150)); // the replicaset reconnected, handshook a new epoch, resent p1

    assertThat(scheduler.store().list(SimPods.KIND)).hasSize(1);
    long appliedBefore = fence.appliedBatches();
    sched.runFor(Duration.ofMillis(100)); // the old batch arrives on the old connection

    assertThat(fence.staleArrivals()).as("the stale batch reached the receiver").isEqualTo(1);
    assertThat(fence.appliedBatches()).as("and was not applied").isEqualTo(appliedBefore);
    assertThat(violations).isEmpty();
    assertThat(scheduler.store().list(SimPods.KIND)).hasSize(1);
    assertThat(replicaset.dirtyCount()).isEqualTo(1);
  }
}
