package io.kubedirect.runtime.internal.codec.bench;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.ObjectCodec;
import io.kubedirect.runtime.internal.codec.ObjectEncoder;
import io.kubedirect.runtime.internal.codec.OutboundChange;
import io.kubedirect.runtime.internal.codec.TestObjects;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/**
 * Prints bytes on the wire per pod for a burst of 1,000 pods of one ReplicaSet (serialized Envelope
 * sizes summed, including the template and a 4-byte length prefix per frame, 100 pods per batch)
 * next to the JSON size of one full realistic pod. Deterministic. Run: {@code java -cp ...
 * io.kubedirect.runtime.internal.codec.bench.CodecSizeReport}.
 */
public final class CodecSizeReport {

  /** Frame length prefix of the transport. */
  public static final int LENGTH_PREFIX = 4;

  private CodecSizeReport() {}

  /** The result of one burst. */
  public record Burst(int pods, int batches, int templates, long wireBytes) {
    /** Wire bytes per pod. */
    public double perPod() {
      return (double) wireBytes / pods;
    }
  }

  /**
   * Encodes {@code pods} pods made by {@code pod} in batches of {@code batchSize} on one fresh
   * encoder.
   */
  public static Burst burst(ObjectCodec codec, int pods, int batchSize, IntFunction<V1Pod> pod) {
    ObjectEncoder encoder = codec.newEncoder(64);
    String kind = Kinds.of(V1Pod.class);
    long bytes = 0;
    int batches = 0;
    int templates = 0;
    long seq = 1;
    for (int start = 0; start < pods; start += batchSize) {
      List<OutboundChange> changes = new ArrayList<>();
      for (int i = start; i < Math.min(pods, start + batchSize); i++) {
        changes.add(new OutboundChange(ChangeType.ADDED, pod.apply(i), 1));
      }
      ObjectBatch batch = encoder.encode(kind, changes);
      templates += batch.getTemplatesCount();
      Envelope env = Envelope.newBuilder().setSeq(seq++).setEpoch(3).setObjectBatch(batch).build();
      bytes += env.getSerializedSize() + LENGTH_PREFIX;
      batches++;
    }
    return new Burst(pods, batches, templates, bytes);
  }

  /**
   * Scenario A: pods as the scheduler hands them to the sandbox manager (bound to a node, no status
   * yet).
   */
  public static V1Pod scheduledPod(int i) {
    V1Pod p = TestObjects.newPod(i);
    p.getSpec().setNodeName(TestObjects.node(i));
    return p;
  }

  /** Prints the report. */
  public static void main(String[] args) {
    ObjectCodec codec = ObjectCodec.create();
    int full = TestObjects.fullApiServerJson(0).getBytes(StandardCharsets.UTF_8).length;
    int clientJava =
        JSON.serialize(TestObjects.runningPod(0)).getBytes(StandardCharsets.UTF_8).length;
    int created = JSON.serialize(scheduledPod(0)).getBytes(StandardCharsets.UTF_8).length;
    System.out.printf(
        "full realistic pod JSON (as served, incl. managedFields+status): %,d bytes%n", full);
    System.out.printf(
        "same pod as client-java serializes it (no managedFields):         %,d bytes%n",
        clientJava);
    System.out.printf(
        "scheduled pod JSON (no status):                                  %,d bytes%n", created);
    report(
        "A: 1,000 scheduled pods (name, uid, creationTimestamp, nodeName vary)",
        burst(codec, 1000, 100, CodecSizeReport::scheduledPod),
        full);
    report(
        "B: 1,000 running pods (also resourceVersion, podIP, hostIP, containerIDs vary)",
        burst(codec, 1000, 100, TestObjects::runningPod),
        full);
    report(
        "C: same as A without templates (full_json per pod)",
        burst(
            ObjectCodec.builder().useTemplates(false).build(),
            1000,
            100,
            CodecSizeReport::scheduledPod),
        full);
  }

  private static void report(String name, Burst b, int full) {
    System.out.printf(
        "%s%n  %d batches, %d template(s), %,d wire bytes, %.1f bytes/pod (%.0fx smaller than "
            + "full JSON)%n",
        name, b.batches(), b.templates(), b.wireBytes(), b.perPod(), full / b.perPod());
  }
}
