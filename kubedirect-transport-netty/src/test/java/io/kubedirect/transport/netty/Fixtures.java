package io.kubedirect.transport.netty;

import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;

/** Shared test data and metric readers. */
final class Fixtures {

  private Fixtures() {}

  static final long TEMPLATE_HASH = 0x7c9d8b6f5a1b2c3dL;

  /** A pod change as the ReplicaSet stage would send it. */
  static ObjectChange pod(int i) {
    ByteBuffer uid =
        ByteBuffer.allocate(16)
            .putLong(0x1234_5678_9abc_def0L ^ i)
            .putLong(i * 0x9E3779B97F4A7C15L);
    return ObjectChange.newBuilder()
        .setType(ChangeType.ADDED)
        .setName(String.format("fn-hello-%05d-7c9d8b6f5-x7k2p", i))
        .setTemplateHash(TEMPLATE_HASH)
        .setVersion(1)
        .setNodeName("node-" + (i % 64))
        .setCreationTimestampMillis(1_764_160_000_000L + i)
        .setUid(ByteString.copyFrom(uid.array()))
        .build();
  }

  static Envelope batch(long seq, int firstPod, int pods) {
    ObjectBatch.Builder b = ObjectBatch.newBuilder().setKind("/v1/Pod");
    for (int i = 0; i < pods; i++) {
      b.addChanges(pod(firstPod + i));
    }
    return Envelope.newBuilder().setSeq(seq).setEpoch(1).setObjectBatch(b).build();
  }

  /** Awaitility with a short poll interval: links react in microseconds, not 100 ms. */
  static ConditionFactory eventually() {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5));
  }

  static double errors(MeterRegistry registry, ErrorCode code) {
    return registry.find(LinkMetrics.ERRORS).tag("code", code.name()).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /** {@code kubedirect.link.rejected{reason}}. */
  static double rejected(MeterRegistry registry, String reason) {
    return registry.find(LinkMetrics.REJECTED).tag("reason", reason).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /** {@code kubedirect.tls.handshake.failures{reason}}. */
  static double tlsFailures(MeterRegistry registry, String reason) {
    return registry.find(LinkMetrics.TLS_FAILURES).tag("reason", reason).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  /** {@code kubedirect.tls.reloads{result}}. */
  static double reloads(MeterRegistry registry, String result) {
    return registry.find(LinkMetrics.TLS_RELOADS).tag("result", result).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  static double counter(MeterRegistry registry, String name, String direction, String peer) {
    return registry.find(name).tag("direction", direction).tag("peer", peer).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
