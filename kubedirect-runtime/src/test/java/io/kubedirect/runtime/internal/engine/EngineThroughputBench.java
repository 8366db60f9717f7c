package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Direct-path throughput of the engine: a producer emits N pods to a receiver over the in-memory
 * transport (real threads, no latency injected); reports pods per second until every emit is
 * acknowledged. Measures the engine plus codec, not the network. Args: N (default 20000), rounds
 * (default 3).
 */
public final class EngineThroughputBench {

  private EngineThroughputBench() {}

  /** Entry point. */
  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    for (int r = 0; r < rounds; r++) {
      try (ExecutorServiceTaskScheduler sched = new ExecutorServiceTaskScheduler("bench", 2)) {
        InMemoryNetwork net = InMemoryNetwork.builder(sched).latency(Duration.ZERO).build();
        FakePersistedStore persisted = new FakePersistedStore(sched);
        FakeDiscovery discovery = new FakeDiscovery();
        StageEngine sm =
            StageEngine.builder()
                .stage(StageDeclaration.builder("sm").upstream("rs").receives(V1Pod.class).build())
                .transport(net.transport("sm"))
                .scheduler(sched)
                .persistedApi(persisted)
                .persistedFeed(persisted)
                .listen(new PeerAddress("sm", 0))
                .build();
        sm.start();
        while (sm.localAddress().isEmpty()) {
          Thread.onSpinWait();
        }
        discovery.put("sm", "", sm.localAddress().get());
        StageEngine rs =
            StageEngine.builder()
                .stage(StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build())
                .transport(net.transport("rs"))
                .scheduler(sched)
                .persistedApi(persisted)
                .persistedFeed(persisted)
                .discovery(discovery)
                .build();
        rs.start();
        List<V1Pod> pods = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          pods.add(pod("fn-" + r + "-" + i, "node-1"));
        }
        long t0 = System.nanoTime();
        List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>(n);
        for (V1Pod p : pods) {
          fs.add(rs.write(POD, WriteOp.CREATE, p));
        }
        CompletableFuture.allOf(fs.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
        long nanos = System.nanoTime() - t0;
        System.out.printf(
            "round %d: %d pods acked in %d ms = %.0f pods/s; receiver holds %d%n",
            r, n, nanos / 1_000_000, n / (nanos / 1e9), sm.store().size());
        rs.close();
        sm.close();
      }
    }
  }
}
