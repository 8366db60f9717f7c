package io.kubedirect.runtime.internal.codec;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the seed corpus of {@link CodecFuzzTest} (committed; regenerate only when the codec's wire
 * form changes): {@code mvn -pl kubedirect-runtime -am test -Dtest=CodecFuzzSeeds
 * -Dsurefire.failIfNoSpecifiedTests=false -Dkubedirect.jazzer.writeSeeds=true}.
 */
class CodecFuzzSeeds {

  static final Path DIR =
      Path.of("src/test/resources/io/kubedirect/runtime/codec/CodecFuzzTestInputs");

  @Test
  @EnabledIfSystemProperty(named = "kubedirect.jazzer.writeSeeds", matches = "true")
  void write() throws IOException {
    Path decode = Files.createDirectories(DIR.resolve("decodeBatch"));
    for (Map.Entry<String, byte[]> e : decodeSeeds().entrySet()) {
      Files.write(decode.resolve(e.getKey()), e.getValue());
    }
    Path roundTrip = Files.createDirectories(DIR.resolve("roundTrip"));
    Random random = new Random(7);
    for (int i = 1; i <= 3; i++) {
      byte[] b = new byte[64 * i * i];
      random.nextBytes(b);
      Files.write(roundTrip.resolve("seed-random-" + i), b);
    }
    assertThat(decode).isDirectoryContaining("glob:**/seed-template-delta");
  }

  private static Map<String, byte[]> decodeSeeds() {
    ObjectEncoder enc = CodecFuzzTest.SEED_CODEC.newEncoder(4);
    List<OutboundChange> changes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      V1Pod p = CodecFuzzTest.smallPod("pod-" + i);
      p.getMetadata()
          .uid("00000000-0000-4000-8000-00000000000" + i)
          .creationTimestamp(OffsetDateTime.of(2026, 11, 26, 14, 0, i, 5_000_000, ZoneOffset.UTC));
      p.getSpec().nodeName("node-" + i);
      if (i == 2) {
        p.getMetadata().resourceVersion("42");
        p.status(new V1PodStatus().phase("Running").podIP("10.0.0.2"));
      }
      changes.add(new OutboundChange(ChangeType.ADDED, p, i + 1));
    }
    changes.add(new OutboundChange(ChangeType.DELETED, CodecFuzzTest.smallPod("pod-gone"), 9));
    ObjectBatch templateDelta = enc.encode("/v1/Pod", changes);
    // The same pods again: the encoder now refers to the template by hash only.
    ObjectBatch deltaOnly = enc.encode("/v1/Pod", changes.subList(0, 2));
    ObjectBatch fullJson =
        ObjectCodec.builder()
            .useTemplates(false)
            .build()
            .newEncoder(1)
            .encode(
                "/v1/Pod",
                List.of(
                    new OutboundChange(ChangeType.MODIFIED, CodecFuzzTest.smallPod("full"), 5)));
    ObjectBatch warm = CodecFuzzTest.WARM_BATCH;
    ObjectBatch usesWarm =
        ObjectBatch.newBuilder()
            .setKind("/v1/Pod")
            .addChanges(
                ObjectChange.newBuilder()
                    .setType(ChangeType.ADDED)
                    .setName("w-1")
                    .setTemplateHash(warm.getTemplates(0).getHash())
                    .setMergePatch(
                        ByteString.copyFromUtf8("{\"metadata\":{\"labels\":{\"x\":\"y\"}}}")))
            .build();

    Map<String, byte[]> s = new LinkedHashMap<>();
    s.put("seed-template-delta", seed(0, templateDelta));
    s.put("seed-template-delta-rehash", seed(1, templateDelta));
    s.put("seed-delta-missing-template", seed(0, deltaOnly));
    s.put("seed-warm-template-patch", seed(4, usesWarm));
    s.put("seed-full-json", seed(0, fullJson));
    s.put(
        "seed-json-template",
        seed(
            1 << 5,
            JsonTrees.WRITER
                .toJson(
                    JsonTrees.canonical(
                        io.kubernetes
                            .client
                            .openapi
                            .JSON
                            .getGson()
                            .toJsonTree(CodecFuzzTest.smallPod("t"))))
                .getBytes(UTF_8)));
    s.put(
        "seed-json-full",
        seed(
            2 << 5,
            io.kubernetes
                .client
                .openapi
                .JSON
                .serialize(CodecFuzzTest.smallPod("f"))
                .getBytes(UTF_8)));
    s.put(
        "seed-json-patch",
        seed(
            3 << 5,
            "{\"metadata\":{\"labels\":{\"a\":null,\"b\":\"c\"}},\"status\":{\"phase\":\"Running\"}}"
                .getBytes(UTF_8)));
    s.put(
        "seed-other-kind",
        seed(1, templateDelta.toBuilder().setKind("apps/v1/ReplicaSet").build()));
    return s;
  }

  private static byte[] seed(int control, ObjectBatch batch) {
    return seed(control, batch.toByteArray());
  }

  private static byte[] seed(int control, byte[] b) {
    byte[] out = new byte[b.length + 1];
    out[0] = (byte) control;
    System.arraycopy(b, 0, out, 1, b.length);
    return out;
  }
}
