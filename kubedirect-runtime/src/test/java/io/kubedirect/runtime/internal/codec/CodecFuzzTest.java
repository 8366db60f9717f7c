package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.protocol.v1.Template;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Coverage-guided fuzzing (Jazzer) of the object codec.
 *
 * <ul>
 *   <li>{@link #decodeBatch}: arbitrary {@code ObjectBatch} bytes into a {@link
 *       DefaultObjectDecoder}. The decoder returns a well-formed result or throws one of its
 *       documented exceptions ({@link MalformedObjectException}, {@link MissingTemplateException});
 *       anything else (another exception, an Error, a hang) is a finding. After every input the
 *       decoder must still decode a valid batch (it keeps serving).
 *   <li>{@link #roundTrip}: pods built from the fuzzer's data, encoded and decoded by an
 *       encoder/decoder pair with equal bounds: every decoded pod equals its original (as
 *       client-java's own JSON round trip gives it) and no template is ever missing.
 * </ul>
 *
 * <p>Regression mode (default suite) runs the empty input and the files under {@code
 * src/test/resources/io/kubedirect/runtime/codec/CodecFuzzTestInputs/<method>/}; fuzzing mode
 * ({@code JAZZER_FUZZ=1}, see the module pom) mutates them. See docs/protocol.md, "Fuzzing".
 */
class CodecFuzzTest {

  /** The codec under test; small object bound so size checks are reachable. */
  private static final ObjectCodec CODEC = ObjectCodec.builder().maxObjectBytes(64 * 1024).build();

  private static final ObjectCodec SLOW_CODEC =
      ObjectCodec.builder().maxObjectBytes(64 * 1024).fastPaths(false).build();

  /** The codec the seed corpus is written with ({@link CodecFuzzSeeds}). */
  static final ObjectCodec SEED_CODEC = CODEC;

  /** A small pod and the batch that carries it with its template, for the keeps-serving check. */
  private static final V1Pod PROBE = smallPod("probe");

  private static final ObjectBatch PROBE_BATCH =
      CODEC
          .newEncoder(1)
          .encode("/v1/Pod", List.of(new OutboundChange(ChangeType.ADDED, PROBE, 1)));

  /**
   * A batch whose template a decoder may already hold (control bit 2), so changes may refer to it.
   */
  static final ObjectBatch WARM_BATCH =
      CODEC
          .newEncoder(1)
          .encode("/v1/Pod", List.of(new OutboundChange(ChangeType.ADDED, smallPod("warm"), 1)));

  /**
   * Input layout: byte 0 is a control byte, the rest an {@code ObjectBatch} in protobuf wire format
   * (bytes that are not one are skipped: the link rejects them before the codec). Control bits: 0
   * set: recompute every template's hash from its JSON (and re-point the changes that used the old
   * hash), so mutated templates get past the hash check into JSON parsing; 1 set: fast paths off; 2
   * set: the decoder first receives a batch with one template (hash {@code WARM_BATCH}'s); bits
   * 3..4: the decoder's template bound minus one. Bits 5..6 pick what the rest is: 0 the batch; 1 a
   * template's JSON (the batch around it is built with the right hash: one change on the fast path,
   * one with a merge patch); 2 a change's {@code full_json}; 3 a merge patch on the cached template
   * (the decoder is warmed).
   */
  @FuzzTest(maxDuration = "30s")
  void decodeBatch(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int control = input[0] & 0xFF;
    int mode = (control >>> 5) & 3;
    ByteString rest = ByteString.copyFrom(input, 1, input.length - 1);
    ObjectBatch batch;
    if (mode == 0) {
      try {
        batch = ObjectBatch.parseFrom(rest);
      } catch (InvalidProtocolBufferException e) {
        return;
      }
    } else {
      batch = around(mode, rest);
    }
    if ((control & 1) != 0) {
      batch = withTrueHashes(batch);
    }
    ObjectDecoder decoder =
        ((control & 2) != 0 ? SLOW_CODEC : CODEC).newDecoder(1 + ((control >>> 3) & 3));
    if ((control & 4) != 0 || mode == 3) {
      decode(decoder, WARM_BATCH);
    }
    try {
      List<InboundChange> out = decoder.decode(batch);
      assertThat(out).hasSize(batch.getChangesCount());
      for (int i = 0; i < out.size(); i++) {
        InboundChange got = out.get(i);
        ObjectChange sent = batch.getChanges(i);
        assertThat(got.type()).isEqualTo(sent.getType());
        assertThat(got.ref().getKind()).isEqualTo(batch.getKind());
        assertThat(got.ref().getVersion()).isEqualTo(sent.getVersion());
        assertThat(got.ref().getName()).isNotEmpty();
        if (got.type() != ChangeType.DELETED) {
          assertThat(got.object()).isInstanceOf(Kinds.classOf(batch.getKind()));
          assertThat(got.object().getMetadata().getName()).isEqualTo(got.ref().getName());
        }
      }
    } catch (MalformedObjectException e) {
      assertThat(e.getMessage()).isNotBlank();
    } catch (MissingTemplateException e) {
      assertThat(e.refs()).isNotEmpty();
      assertThat(e.templateHashes()).isNotEmpty().doesNotContain(0L);
    }
    // Bad input loses nothing: the same decoder still serves.
    assertThat(decode(decoder, PROBE_BATCH))
        .singleElement()
        .satisfies(c -> assertThat(c.object()).isEqualTo(PROBE));
  }

  /**
   * Pods varied by the fuzzer (names, namespace, labels, annotations, uid, creation time,
   * resourceVersion, node, containers, env, status) in up to three batches on an encoder and
   * decoder with the same bound.
   */
  @FuzzTest(maxDuration = "30s")
  void roundTrip(FuzzedDataProvider data) {
    int bound = data.consumeInt(1, 4);
    ObjectCodec codec = data.consumeBoolean() ? CODEC : SLOW_CODEC;
    ObjectEncoder enc = codec.newEncoder(bound);
    ObjectDecoder dec = codec.newDecoder(bound);
    int batches = data.consumeInt(1, 3);
    for (int b = 0; b < batches; b++) {
      List<OutboundChange> changes = new ArrayList<>();
      List<V1Pod> expected = new ArrayList<>();
      int n = data.consumeInt(0, 4);
      for (int i = 0; i < n; i++) {
        V1Pod pod = fuzzedPod(data, b * 10 + i);
        V1Pod viaJson;
        try {
          viaJson = JSON.deserialize(JSON.serialize(pod), V1Pod.class);
        } catch (RuntimeException e) {
          continue; // client-java cannot round-trip this object itself: not the codec's input
          // domain
        }
        ChangeType type =
            data.pickValue(
                new ChangeType[] {ChangeType.ADDED, ChangeType.MODIFIED, ChangeType.DELETED});
        changes.add(new OutboundChange(type, pod, data.consumeLong(0, Long.MAX_VALUE)));
        expected.add(viaJson);
      }
      String before = changes.stream().map(c -> JSON.serialize(c.object())).toList().toString();
      ObjectBatch batch = enc.encode("/v1/Pod", changes);
      assertThat(changes.stream().map(c -> JSON.serialize(c.object())).toList().toString())
          .as("the encoder does not mutate its input")
          .isEqualTo(before);
      List<InboundChange> in;
      try {
        in = dec.decode(ObjectBatch.parseFrom(batch.toByteArray()));
      } catch (InvalidProtocolBufferException | MissingTemplateException e) {
        throw new AssertionError("a batch from the encoder does not decode: " + e, e);
      }
      assertThat(in).hasSize(changes.size());
      for (int i = 0; i < in.size(); i++) {
        OutboundChange sent = changes.get(i);
        InboundChange got = in.get(i);
        assertThat(got.type()).isEqualTo(sent.type());
        assertThat(got.ref().getName()).isEqualTo(sent.object().getMetadata().getName());
        assertThat(got.ref().getNamespace())
            .isEqualTo(nullToEmpty(sent.object().getMetadata().getNamespace()));
        assertThat(got.ref().getVersion()).isEqualTo(sent.version());
        if (sent.type() == ChangeType.DELETED) {
          assertThat(got.object()).isNull();
        } else {
          assertThat(got.object()).as("pod %d of batch %d", i, b).isEqualTo(expected.get(i));
        }
      }
    }
  }

  private static V1Pod fuzzedPod(FuzzedDataProvider data, int i) {
    V1Pod p = smallPod(nonEmpty(text(data, 40), "pod-" + i));
    V1ObjectMeta m = p.getMetadata();
    if (data.consumeBoolean()) {
      m.setNamespace(text(data, 20));
    }
    int labels = data.consumeInt(0, 3);
    if (labels > 0) {
      Map<String, String> l = new LinkedHashMap<>();
      for (int k = 0; k < labels; k++) {
        l.put(text(data, 20), text(data, 20));
      }
      m.setLabels(l);
    }
    if (data.consumeBoolean()) {
      m.setAnnotations(Map.of(text(data, 20), text(data, 40)));
    }
    switch (data.consumeInt(0, 3)) {
      case 0 -> m.setUid(new UUID(data.consumeLong(), data.consumeLong()).toString());
      case 1 -> m.setUid(text(data, 40));
      case 2 -> m.setUid(null);
      default -> {}
    }
    switch (data.consumeInt(0, 3)) {
      // Milliseconds since 1970 up to year 9999, or any nanosecond precision, in UTC as the API
      // Server sends it.
      case 0 ->
          m.setCreationTimestamp(
              OffsetDateTime.ofInstant(
                  Instant.ofEpochMilli(data.consumeLong(0, 253_402_300_799_999L)), ZoneOffset.UTC));
      case 1 ->
          m.setCreationTimestamp(
              OffsetDateTime.ofInstant(
                  Instant.ofEpochSecond(
                      data.consumeLong(0, 253_402_300_799L), data.consumeInt(0, 999_999_999)),
                  ZoneOffset.UTC));
      case 2 -> m.setCreationTimestamp(null);
      default -> {}
    }
    if (data.consumeBoolean()) {
      m.setResourceVersion(text(data, 12));
    }
    if (data.consumeBoolean()) {
      p.getSpec().setNodeName(text(data, 30));
    }
    V1Container c = p.getSpec().getContainers().get(0);
    if (data.consumeBoolean()) {
      c.setImage(text(data, 60));
    }
    if (data.consumeBoolean()) {
      c.setEnv(List.of(new V1EnvVar().name(text(data, 20)).value(text(data, 60))));
    }
    if (data.consumeBoolean()) {
      p.getSpec()
          .setContainers(List.of(c, new V1Container().name(text(data, 20)).image("sidecar")));
    }
    if (data.consumeBoolean()) {
      p.setStatus(
          new V1PodStatus()
              .phase(text(data, 10))
              .podIP(text(data, 15))
              .conditions(List.of(new V1PodCondition().type("Ready").status(text(data, 5)))));
    }
    return p;
  }

  /**
   * A string from the fuzzer, made well-formed UTF-16 (objects come from the API Server as valid
   * UTF-8).
   */
  private static String text(FuzzedDataProvider data, int maxLength) {
    String s = data.consumeString(maxLength);
    return new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
  }

  private static String nonEmpty(String s, String otherwise) {
    return s.isEmpty() ? otherwise : s;
  }

  private static String nullToEmpty(String s) {
    return s == null ? "" : s;
  }

  static V1Pod smallPod(String name) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace("fuzz").labels(Map.of("app", "fuzz")))
        .spec(
            new V1PodSpec()
                .containers(
                    List.of(new V1Container().name("main").image("registry.example/app:1"))));
  }

  private static List<InboundChange> decode(ObjectDecoder decoder, ObjectBatch batch) {
    try {
      return decoder.decode(batch);
    } catch (MissingTemplateException e) {
      throw new AssertionError(e);
    }
  }

  /**
   * A batch around fuzzed JSON: a template (mode 1), a full_json (2) or a merge patch on
   * WARM_BATCH's template (3).
   */
  static ObjectBatch around(int mode, ByteString json) {
    ObjectBatch.Builder b = ObjectBatch.newBuilder().setKind("/v1/Pod");
    ObjectChange.Builder c =
        ObjectChange.newBuilder().setType(ChangeType.ADDED).setName("fuzz-1").setVersion(1);
    switch (mode) {
      case 1 -> {
        long h = JsonTrees.hash64(JsonTrees.sha256(), json);
        b.addTemplates(Template.newBuilder().setKind("/v1/Pod").setHash(h).setJson(json));
        b.addChanges(c.setTemplateHash(h).setNodeName("node-1").putLabels("pod", "1"));
        b.addChanges(
            ObjectChange.newBuilder()
                .setType(ChangeType.MODIFIED)
                .setName("fuzz-2")
                .setTemplateHash(h)
                .setMergePatch(
                    ByteString.copyFromUtf8("{\"metadata\":{\"resourceVersion\":\"7\"}}")));
      }
      case 2 -> b.addChanges(c.setFullJson(json));
      default ->
          b.addChanges(c.setTemplateHash(WARM_BATCH.getTemplates(0).getHash()).setMergePatch(json));
    }
    return b.build();
  }

  /**
   * The batch with every template's hash recomputed from its JSON; changes follow their template.
   */
  static ObjectBatch withTrueHashes(ObjectBatch batch) {
    MessageDigest digest = JsonTrees.sha256();
    Map<Long, Long> renamed = new HashMap<>();
    ObjectBatch.Builder b = batch.toBuilder();
    for (int i = 0; i < b.getTemplatesCount(); i++) {
      Template t = b.getTemplates(i);
      long h = JsonTrees.hash64(digest, t.getJson());
      renamed.putIfAbsent(t.getHash(), h);
      b.setTemplates(i, t.toBuilder().setHash(h));
    }
    for (int i = 0; i < b.getChangesCount(); i++) {
      ObjectChange c = b.getChanges(i);
      Long h = renamed.get(c.getTemplateHash());
      if (h != null && c.getTemplateHash() != 0) {
        b.setChanges(i, c.toBuilder().setTemplateHash(h));
      }
    }
    return b.build();
  }
}
