package io.kubedirect.runtime.internal.store;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.runtime.internal.codec.InboundChange;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.ObjectCodec;
import io.kubedirect.runtime.internal.codec.ObjectDecoder;
import io.kubedirect.runtime.internal.codec.ObjectEncoder;
import io.kubedirect.runtime.internal.codec.OutboundChange;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.lang.management.ManagementFactory;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Retained heap per ephemeral pod in the {@link EphemeralStore}: fills a store with N pods decoded
 * from batches that share one ReplicaSet-like template, and compares used heap after GC before and
 * after. Run with the module's test classpath (see docs/design.md, "Memory per ephemeral pod"):
 * {@code java -Xmx1g -cp <test classpath>
 * io.kubedirect.runtime.internal.store.EphemeralStoreHeapBench 100000}; add {@code -Dintern=false}
 * to measure without {@link ObjectInterner}.
 */
public final class EphemeralStoreHeapBench {

  private EphemeralStoreHeapBench() {}

  /** Entry point; args[0] = number of pods (default 100000). */
  public static void main(String[] args) {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    V1Pod template =
        new V1Pod()
            .apiVersion("v1")
            .kind("Pod")
            .metadata(
                new V1ObjectMeta()
                    .namespace("fn")
                    .generateName("fn-a-7d9c-")
                    .labels(
                        Map.of(
                            "app",
                            "fn-a",
                            "pod-template-hash",
                            "7d9c",
                            "kubedirect.io/managed",
                            "true"))
                    .ownerReferences(
                        List.of(
                            new V1OwnerReference()
                                .apiVersion("apps/v1")
                                .kind("ReplicaSet")
                                .name("fn-a-7d9c")
                                .uid("9b1f7f0e-2c55-4b0e-9a51-3f0c3b1d2a11")
                                .controller(true))))
            .spec(
                new V1PodSpec()
                    .schedulerName("default-scheduler")
                    .restartPolicy("Always")
                    .containers(
                        List.of(
                            new V1Container()
                                .name("fn")
                                .image("registry.local/functions/fn-a:2026.11.1")
                                .env(
                                    List.of(
                                        new V1EnvVar().name("FUNCTION").value("fn-a"),
                                        new V1EnvVar().name("PORT").value("8080")))
                                .resources(
                                    new V1ResourceRequirements()
                                        .requests(
                                            Map.of(
                                                "cpu",
                                                Quantity.fromString("250m"),
                                                "memory",
                                                Quantity.fromString("256Mi")))
                                        .limits(
                                            Map.of(
                                                "cpu",
                                                Quantity.fromString("1"),
                                                "memory",
                                                Quantity.fromString("512Mi")))))));
    System.out.printf("pod JSON size: %d bytes%n", ObjectSupport.jsonSize(template));

    ObjectCodec codec = ObjectCodec.create();
    ObjectEncoder enc = codec.newEncoder(64);
    ObjectDecoder dec = codec.newDecoder(64);
    String kind = Kinds.of(V1Pod.class);

    DefaultEphemeralStore store = new DefaultEphemeralStore();
    boolean intern = !"false".equals(System.getProperty("intern"));
    ObjectInterner interner = new ObjectInterner(4096);
    long before = usedAfterGc();
    int batch = 256;
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i += batch) {
      List<OutboundChange> cs = new ArrayList<>(batch);
      for (int j = i; j < Math.min(n, i + batch); j++) {
        V1Pod p = ObjectSupport.deepCopy(template);
        p.getMetadata()
            .name("fn-a-7d9c-" + Integer.toString(j, 36))
            .uid(UUID.randomUUID().toString())
            .creationTimestamp(OffsetDateTime.now());
        p.getSpec().setNodeName("node-" + (j % 1000));
        cs.add(new OutboundChange(ChangeType.ADDED, p, j + 1));
      }
      ObjectBatch b = enc.encode(kind, cs);
      List<InboundChange> in;
      try {
        in = dec.decode(b);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      for (InboundChange c : in) {
        store.upsert(
            new EphemeralEntry(
                "rs",
                kind,
                Kinds.key(c.ref()),
                c.ref().getVersion(),
                intern
                    ? interner.compact(c.object(), DefaultKindStrategies.forKind(c.ref().getKind()))
                    : c.object(),
                null));
      }
    }
    long fillNanos = System.nanoTime() - t0;
    long after = usedAfterGc();
    System.out.printf("intern=%s ", intern);
    System.out.printf(
        "pods=%d store.size=%d retained=%.1f MiB per-pod=%d bytes fill=%d ms%n",
        n,
        store.size(),
        (after - before) / 1048576.0,
        (after - before) / Math.max(1, store.size()),
        fillNanos / 1_000_000);
    if (store.size() != n) {
      throw new IllegalStateException("store lost pods");
    }
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 5; i++) {
      System.gc();
      try {
        Thread.sleep(100); // let the collector settle; a measurement main, not a test
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
