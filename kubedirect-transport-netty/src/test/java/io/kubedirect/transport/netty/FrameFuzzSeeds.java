package io.kubedirect.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.Ack;
import io.kubedirect.protocol.v1.Credit;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.Error;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.HandshakeConfirm;
import io.kubedirect.protocol.v1.HandshakeReconcile;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.protocol.v1.HandshakeSnapshot;
import io.kubedirect.protocol.v1.Heartbeat;
import io.kubedirect.protocol.v1.HelloAck;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.protocol.v1.Template;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the seed corpus of {@link FrameFuzzTest} (committed; regenerate only when the protocol
 * changes): {@code mvn -pl kubedirect-transport-netty -am test -Dtest=FrameFuzzSeeds
 * -Dsurefire.failIfNoSpecifiedTests=false -Dkubedirect.jazzer.writeSeeds=true}.
 */
class FrameFuzzSeeds {

  static final Path DIR =
      Path.of(
          "src/test/resources/io/kubedirect/transport/netty/FrameFuzzTestInputs/serverPipeline");

  @Test
  @EnabledIfSystemProperty(named = "kubedirect.jazzer.writeSeeds", matches = "true")
  void write() throws IOException {
    Files.createDirectories(DIR);
    for (Map.Entry<String, byte[]> e : seeds().entrySet()) {
      Files.write(DIR.resolve(e.getKey()), e.getValue());
    }
    assertThat(DIR).isDirectoryContaining("glob:**/seed-batch");
  }

  private static Map<String, byte[]> seeds() {
    ObjectRef ref =
        ObjectRef.newBuilder()
            .setKind("/v1/Pod")
            .setNamespace("fns")
            .setName("p-1")
            .setVersion(3)
            .build();
    ObjectBatch batch =
        ObjectBatch.newBuilder()
            .setKind("/v1/Pod")
            .addTemplates(
                Template.newBuilder()
                    .setHash(Fixtures.TEMPLATE_HASH)
                    .setKind("/v1/Pod")
                    .setJson(ByteString.copyFromUtf8("{\"kind\":\"Pod\",\"spec\":{}}")))
            .addChanges(Fixtures.pod(1))
            .addChanges(Fixtures.pod(2))
            .build();
    Map<String, byte[]> s = new LinkedHashMap<>();
    // Control byte 0: a valid Hello goes first, the stream is written at once.
    s.put("seed-credit", stream(0, env(0).setCredit(Credit.newBuilder().setMessages(16))));
    s.put(
        "seed-heartbeat",
        stream(
            0,
            env(0).setHeartbeat(Heartbeat.newBuilder().setSentNanos(123_456_789L)),
            env(0).setHeartbeat(Heartbeat.newBuilder().setSentNanos(987L).setReply(true))));
    s.put("seed-batch", stream(0, env(1).setEpoch(1).setObjectBatch(batch)));
    s.put(
        "seed-handshake",
        stream(
            0,
            env(1)
                .setHandshakeRequest(
                    HandshakeRequest.newBuilder()
                        .setSource("replicaset")
                        .setDestination("scheduler")),
            env(0)
                .setEpoch(1)
                .setHandshakeSnapshot(
                    HandshakeSnapshot.newBuilder().addHeld(ref).addObjects(batch)),
            env(2)
                .setEpoch(1)
                .setHandshakeReconcile(
                    HandshakeReconcile.newBuilder().setResend(batch).addRetract(ref)),
            env(0).setEpoch(1).setHandshakeConfirm(HandshakeConfirm.newBuilder().setHeld(2))));
    s.put(
        "seed-ack-error",
        stream(
            0,
            env(0).setEpoch(1).setAck(Ack.newBuilder().setSeq(1)),
            env(0)
                .setEpoch(1)
                .setError(
                    Error.newBuilder()
                        .setSeq(2)
                        .setCode(ErrorCode.NOT_FOUND)
                        .setMessage("gone")
                        .addRefs(ref))));
    s.put(
        "seed-close",
        stream(
            0,
            env(0)
                .setError(
                    Error.newBuilder().setSeq(0).setCode(ErrorCode.INTERNAL).setMessage("bye"))));
    s.put(
        "seed-second-hello", stream(0, RawPeer.hello("replicaset", "scheduler", 1, 5).toBuilder()));
    s.put("seed-empty-frame", concat(new byte[] {0}, new byte[4]));
    s.put("seed-too-large", new byte[] {0, 0x00, 0x10, 0x00, 0x01, 1, 2, 3});
    byte[] truncated = stream(0, env(1).setObjectBatch(batch));
    s.put("seed-truncated", java.util.Arrays.copyOf(truncated, truncated.length - 7));
    s.put(
        "seed-garbage-body",
        concat(new byte[] {0}, new byte[] {0, 0, 0, 5, (byte) 0xFF, (byte) 0xFF, 1, 2, 3}));
    // Control byte 6: chunks of 3 bytes.
    s.put(
        "seed-chunked",
        stream(
            6, env(0).setCredit(Credit.newBuilder().setMessages(1)), env(1).setObjectBatch(batch)));
    // Control byte 1: the fuzzer's bytes are the whole stream, Hello included.
    s.put(
        "seed-hello",
        stream(
            1,
            RawPeer.hello("replicaset", "scheduler", 1, 64).toBuilder(),
            env(0).setCredit(Credit.newBuilder().setMessages(2))));
    s.put(
        "seed-hello-major", stream(1, RawPeer.hello("replicaset", "scheduler", 2, 64).toBuilder()));
    s.put(
        "seed-hello-elsewhere",
        stream(1, RawPeer.hello("replicaset", "sandbox-manager/node-1", 1, 64).toBuilder()));
    s.put(
        "seed-hello-ack-first",
        stream(
            1,
            env(0).setHelloAck(HelloAck.newBuilder().setProtocolMajor(1).setStage("scheduler"))));
    return s;
  }

  private static Envelope.Builder env(long seq) {
    return Envelope.newBuilder().setSeq(seq);
  }

  private static byte[] stream(int control, Envelope.Builder... envelopes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(control);
    for (Envelope.Builder e : envelopes) {
      out.writeBytes(FrameFuzzTest.frame(e.build().toByteArray()));
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }
}
