package io.kubedirect.runtime.internal.codec.bench;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.runtime.internal.codec.InboundChange;
import io.kubedirect.runtime.internal.codec.ObjectCodec;
import io.kubedirect.runtime.internal.codec.ObjectDecoder;
import io.kubedirect.runtime.internal.codec.ObjectEncoder;
import io.kubedirect.runtime.internal.codec.OutboundChange;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.List;

/**
 * A simple timing main for codec throughput (pods/s): encodes and decodes bursts of pods of one
 * ReplicaSet in batches of 100 on one long-lived encoder/decoder pair (as on a link), after a
 * warm-up; for comparison it also times client-java's plain JSON serialize/deserialize of the same
 * pods. Arguments: {@code [pods] [rounds]} (default 20,000 and 5). Not a test: numbers depend on
 * the machine.
 */
public final class CodecThroughput {

  private CodecThroughput() {}

  /** Runs the measurement and prints pods/s per phase. */
  public static void main(String[] args) throws Exception {
    int pods = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    int batchSize = 100;
    List<List<OutboundChange>> batches = new ArrayList<>();
    List<V1Pod> all = new ArrayList<>();
    for (int start = 0; start < pods; start += batchSize) {
      List<OutboundChange> batch = new ArrayList<>();
      for (int i = start; i < start + batchSize; i++) {
        V1Pod p = CodecSizeReport.scheduledPod(i);
        all.add(p);
        batch.add(new OutboundChange(ChangeType.ADDED, p, 1));
      }
      batches.add(batch);
    }
    ObjectCodec codec = ObjectCodec.create();
    for (int round = 0; round < rounds; round++) {
      ObjectEncoder enc = codec.newEncoder(64);
      ObjectDecoder dec = codec.newDecoder(64);
      List<ObjectBatch> encoded = new ArrayList<>(batches.size());
      long t0 = System.nanoTime();
      for (List<OutboundChange> b : batches) {
        encoded.add(enc.encode("/v1/Pod", b));
      }
      long t1 = System.nanoTime();
      long sink = 0;
      for (ObjectBatch b : encoded) {
        for (InboundChange c : dec.decode(b)) {
          sink += c.object().getMetadata().getName().length();
        }
      }
      long t2 = System.nanoTime();
      List<String> json = new ArrayList<>(all.size());
      for (V1Pod p : all) {
        json.add(JSON.serialize(p));
      }
      long t3 = System.nanoTime();
      for (String s : json) {
        sink += JSON.<V1Pod>deserialize(s, V1Pod.class).getMetadata().getName().length();
      }
      long t4 = System.nanoTime();
      System.out.printf(
          "round %d: encode %,.0f pods/s, decode %,.0f pods/s | client-java JSON serialize %,.0f "
              + "pods/s, deserialize %,.0f pods/s (sink %d)%n",
          round,
          rate(pods, t1 - t0),
          rate(pods, t2 - t1),
          rate(pods, t3 - t2),
          rate(pods, t4 - t3),
          sink % 10);
    }
  }

  private static double rate(int n, long nanos) {
    return n / (nanos / 1e9);
  }
}
