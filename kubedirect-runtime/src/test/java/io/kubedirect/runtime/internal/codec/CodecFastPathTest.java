package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.protocol.v1.Template;
import io.kubedirect.runtime.internal.codec.bench.CodecSizeReport;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1ManagedFieldsEntry;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The encoder's and decoder's fast paths give exactly the full JSON path's output (same bytes,
 * equal objects), are taken for the narrow-waist burst, and are not taken when a pod differs from
 * its template elsewhere.
 */
class CodecFastPathTest {

  private static final String POD = "/v1/Pod";
  private static final ObjectCodec FAST = ObjectCodec.create();
  private static final ObjectCodec SLOW = DefaultObjectCodec.builder().fastPaths(false).build();
  private static final int SEEDS =
      Math.max(20, Integer.getInteger("kubedirect.sim.seeds", 500) / 20);

  @Test
  void burstTakesBothFastPathsAndMatchesTheJsonPath() throws Exception {
    DefaultObjectEncoder fastEnc = (DefaultObjectEncoder) FAST.newEncoder(64);
    ObjectEncoder slowEnc = SLOW.newEncoder(64);
    DefaultObjectDecoder fastDec = (DefaultObjectDecoder) FAST.newDecoder(64);
    ObjectDecoder slowDec = SLOW.newDecoder(64);
    for (int start = 0; start < 300; start += 100) {
      List<OutboundChange> changes = new ArrayList<>();
      for (int i = start; i < start + 100; i++) {
        changes.add(new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(i), i));
      }
      ObjectBatch fast = fastEnc.encode(POD, changes);
      ObjectBatch slow = slowEnc.encode(POD, changes);
      assertThat(fast.toByteArray()).isEqualTo(slow.toByteArray());
      assertSameDecoding(fastDec, slowDec, fast, changes);
    }
    // The first pod makes the template, the second matches it exactly (memo), the rest are fast.
    assertThat(fastEnc.fastPathHits()).isEqualTo(298);
    assertThat(fastDec.fastPathHits()).isEqualTo(300);
  }

  @Test
  void aPodDifferingInOneEnvVarDoesNotTakeTheFastPath() throws Exception {
    DefaultObjectEncoder enc = (DefaultObjectEncoder) FAST.newEncoder(64);
    ObjectDecoder dec = FAST.newDecoder(64);
    List<OutboundChange> burst = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      burst.add(new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(i), 1));
    }
    dec.decode(enc.encode(POD, burst));
    assertThat(enc.fastPathHits()).isEqualTo(1);

    V1Pod odd = CodecSizeReport.scheduledPod(3);
    V1Container user = odd.getSpec().getContainers().get(0);
    List<V1EnvVar> env = new ArrayList<>(user.getEnv());
    env.set(4, new V1EnvVar().name(env.get(4).getName()).value("2048"));
    user.setEnv(env);
    List<OutboundChange> one = List.of(new OutboundChange(ChangeType.ADDED, odd, 2));
    ObjectBatch batch = enc.encode(POD, one);

    assertThat(enc.fastPathHits()).isEqualTo(1);
    // The JSON merge patch replaces the containers array, so the pod may get its own template.
    String carried =
        batch.getChanges(0).getMergePatch().toStringUtf8()
            + batch.getTemplatesList().stream()
                .map(t -> t.getJson().toStringUtf8())
                .reduce("", String::concat);
    assertThat(carried).contains("\"value\":\"2048\"");
    assertThat(batch.toByteArray())
        .isEqualTo(slowEncoderAfter(burst).encode(POD, one).toByteArray());
    V1Pod got = (V1Pod) dec.decode(batch).get(0).object();
    assertThat(got.getSpec().getContainers().get(0).getEnv().get(4).getValue()).isEqualTo("2048");
    assertThat(got).isEqualTo(roundTrip(odd));
  }

  @Test
  void quantitiesThatAreEqualButSerialiseDifferentlyDoNotTakeTheFastPath() throws Exception {
    DefaultObjectEncoder enc = (DefaultObjectEncoder) FAST.newEncoder(64);
    ObjectDecoder dec = FAST.newDecoder(64);
    List<OutboundChange> burst =
        List.of(
            new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(0), 1),
            new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(1), 1));
    dec.decode(enc.encode(POD, burst));

    V1Pod odd = CodecSizeReport.scheduledPod(2);
    V1Container user = odd.getSpec().getContainers().get(0);
    Map<String, Quantity> limits = new LinkedHashMap<>(user.getResources().getLimits());
    Quantity gi = limits.get("memory");
    Quantity plain = new Quantity(gi.getNumber(), Quantity.Format.DECIMAL_SI);
    assertThat(plain).isEqualTo(gi); // client-java's equals ignores the format ...
    assertThat(JSON.serialize(plain)).isNotEqualTo(JSON.serialize(gi)); // ... its JSON does not
    limits.put("memory", plain);
    user.setResources(
        new V1ResourceRequirements().requests(user.getResources().getRequests()).limits(limits));
    List<OutboundChange> one = List.of(new OutboundChange(ChangeType.ADDED, odd, 2));
    ObjectBatch batch = enc.encode(POD, one);

    assertThat(enc.fastPathHits()).isZero();
    assertThat(batch.toByteArray())
        .isEqualTo(slowEncoderAfter(burst).encode(POD, one).toByteArray());
    V1Pod got = (V1Pod) dec.decode(batch).get(0).object();
    assertThat(got).isEqualTo(roundTrip(odd));
    Quantity memory = got.getSpec().getContainers().get(0).getResources().getLimits().get("memory");
    assertThat(JSON.serialize(memory)).isEqualTo(JSON.serialize(plain));
  }

  @Test
  void anObjectMutatedInPlaceAfterEncodingIsEncodedAfresh() throws Exception {
    DefaultObjectEncoder enc = (DefaultObjectEncoder) FAST.newEncoder(64);
    ObjectDecoder dec = FAST.newDecoder(64);
    V1Pod a = CodecSizeReport.scheduledPod(0);
    V1Pod b = CodecSizeReport.scheduledPod(1);
    dec.decode(
        enc.encode(
            POD,
            List.of(
                new OutboundChange(ChangeType.ADDED, a, 1),
                new OutboundChange(ChangeType.ADDED, b, 1))));
    // The caller changes its own object in place (a status update) and sends it again.
    b.setStatus(
        new V1PodStatus()
            .phase("Running")
            .conditions(
                List.of(
                    new V1PodCondition()
                        .type("Ready")
                        .status("True")
                        .lastTransitionTime(TestObjects.T0))));
    b.getSpec().getContainers().get(1).setImage("registry.example.com/queue:v2");
    V1Pod got =
        (V1Pod)
            dec.decode(enc.encode(POD, List.of(new OutboundChange(ChangeType.MODIFIED, b, 2))))
                .get(0)
                .object();
    assertThat(got).isEqualTo(roundTrip(b));
    assertThat(got.getStatus().getPhase()).isEqualTo("Running");
  }

  @Test
  void decodedPodsShareTemplatePartsButNotTheirOwnContainers() throws Exception {
    ObjectEncoder enc = FAST.newEncoder(64);
    DefaultObjectDecoder dec = (DefaultObjectDecoder) FAST.newDecoder(64);
    List<OutboundChange> changes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      changes.add(new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(i), 1));
    }
    List<InboundChange> in = dec.decode(enc.encode(POD, changes));
    assertThat(dec.fastPathHits()).isEqualTo(3);
    V1Pod p0 = (V1Pod) in.get(0).object();
    V1Pod p1 = (V1Pod) in.get(1).object();
    assertThat(p0.getSpec().getContainers()).isSameAs(p1.getSpec().getContainers());
    assertThat(p0.getMetadata()).isNotSameAs(p1.getMetadata());
    assertThat(p0.getSpec()).isNotSameAs(p1.getSpec());

    p0.getMetadata().setName("renamed");
    p0.getSpec().setNodeName("elsewhere");
    assertThat(p1.getMetadata().getName())
        .isEqualTo(changes.get(1).object().getMetadata().getName());
    assertThat(p1.getSpec().getNodeName()).isEqualTo(TestObjects.node(1));
    V1Pod again =
        (V1Pod)
            dec.decode(
                    enc.encode(
                        POD,
                        List.of(
                            new OutboundChange(
                                ChangeType.ADDED, CodecSizeReport.scheduledPod(7), 1))))
                .get(0)
                .object();
    assertThat(again).isEqualTo(roundTrip(CodecSizeReport.scheduledPod(7)));
  }

  @Test
  void aTemplateThatIsNotAValidPodIsRejectedPerObjectAsBefore() throws Exception {
    JsonObject tree = new JsonObject();
    tree.addProperty("apiVersion", "v1");
    tree.addProperty("kind", "Pod");
    tree.add("metadata", new JsonObject());
    tree.add("spec", new JsonObject()); // no containers: not a valid PodSpec
    byte[] json = JsonTrees.bytes(tree);
    long hash = JsonTrees.hash64(JsonTrees.sha256(), json);
    ObjectBatch batch =
        ObjectBatch.newBuilder()
            .setKind(POD)
            .addTemplates(
                Template.newBuilder().setHash(hash).setKind(POD).setJson(ByteString.copyFrom(json)))
            .addChanges(
                ObjectChange.newBuilder()
                    .setType(ChangeType.ADDED)
                    .setName("p")
                    .setTemplateHash(hash)
                    .setVersion(1))
            .build();
    ObjectDecoder dec = FAST.newDecoder(4);
    assertThatThrownBy(() -> dec.decode(batch)).isInstanceOf(MalformedObjectException.class);
    assertThatThrownBy(() -> dec.decode(batch)).isInstanceOf(MalformedObjectException.class);
    // Still serving: a valid burst decodes afterwards.
    ObjectEncoder enc = FAST.newEncoder(4);
    assertThat(
            decodeAll(
                dec,
                enc.encode(
                    POD,
                    List.of(
                        new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(0), 1)))))
        .hasSize(1);
  }

  @Test
  void seededRandomBurstsGiveTheSameBytesAndObjectsOnBothPaths() throws Exception {
    long fastHits = 0;
    for (int seed = 1; seed <= SEEDS; seed++) {
      Random rnd = new Random(seed);
      int bound = 1 + rnd.nextInt(6);
      DefaultObjectEncoder fastEnc = (DefaultObjectEncoder) FAST.newEncoder(bound);
      ObjectEncoder slowEnc = SLOW.newEncoder(bound);
      DefaultObjectDecoder fastDec = (DefaultObjectDecoder) FAST.newDecoder(bound);
      ObjectDecoder slowDec = SLOW.newDecoder(bound);
      for (int batchNo = 0; batchNo < 2 + rnd.nextInt(4); batchNo++) {
        List<OutboundChange> changes = new ArrayList<>();
        for (int i = 0; i < 1 + rnd.nextInt(40); i++) {
          V1Pod p = variant(rnd, seed * 10_000 + batchNo * 100 + i);
          ChangeType type =
              rnd.nextInt(10) == 0 ? ChangeType.DELETED : ChangeType.forNumber(1 + rnd.nextInt(2));
          changes.add(new OutboundChange(type, p, rnd.nextInt(1000)));
        }
        ObjectBatch fast = fastEnc.encode(POD, changes);
        ObjectBatch slow = slowEnc.encode(POD, changes);
        assertThat(fast.toByteArray())
            .as("seed %d batch %d", seed, batchNo)
            .isEqualTo(slow.toByteArray());
        assertSameDecoding(fastDec, slowDec, fast, changes);
      }
      fastHits += fastEnc.fastPathHits();
    }
    assertThat(fastHits).isPositive();
  }

  /**
   * A pod of the burst (per-object fields vary) or, now and then, one that differs from the
   * template.
   */
  private static V1Pod variant(Random rnd, int i) {
    int template = rnd.nextInt(3); // a few ReplicaSets interleaved
    V1Pod p = CodecSizeReport.scheduledPod(i);
    if (template > 0) {
      p.getMetadata().getLabels().put("pod-template-hash", "rs" + template);
    }
    switch (rnd.nextInt(12)) {
      case 0 -> p.getMetadata().setUid("not-a-uuid-" + rnd.nextInt(5));
      case 1 ->
          p.getMetadata()
              .setCreationTimestamp(
                  OffsetDateTime.of(
                      2026, 3, 1, 0, 0, 0, rnd.nextInt(1_000_000) * 1000 + 1, ZoneOffset.UTC));
      case 2 -> p.getMetadata().setResourceVersion(Integer.toString(rnd.nextInt(100_000)));
      case 3 -> p.getSpec().setNodeName(rnd.nextBoolean() ? "" : null);
      case 4 -> {
        V1Container c = p.getSpec().getContainers().get(rnd.nextInt(2));
        List<V1EnvVar> env = new ArrayList<>(c.getEnv());
        int k = rnd.nextInt(env.size());
        env.set(k, new V1EnvVar().name(env.get(k).getName()).value("v" + rnd.nextInt(3)));
        c.setEnv(env);
      }
      case 5 ->
          p.getSpec()
              .getContainers()
              .get(0)
              .getPorts()
              .get(0)
              .setContainerPort(8000 + rnd.nextInt(3));
      case 6 ->
          p.getSpec()
              .getContainers()
              .get(0)
              .getLifecycle()
              .getPreStop()
              .getHttpGet()
              .setPort(rnd.nextBoolean() ? new IntOrString("8022") : new IntOrString(8022));
      case 7 ->
          p.status(
              new V1PodStatus()
                  .phase("Pending")
                  .conditions(
                      List.of(
                          new V1PodCondition()
                              .type("PodScheduled")
                              .status("True")
                              .lastTransitionTime(TestObjects.T0.plusSeconds(rnd.nextInt(3))))));
      case 8 ->
          p.getMetadata()
              .setManagedFields(
                  List.of(new V1ManagedFieldsEntry().manager("m").operation("Update")));
      case 9 -> p.getMetadata().setUid(null);
      case 10 -> p.getMetadata().setNamespace("ns-" + rnd.nextInt(2));
      default -> {}
    }
    if (rnd.nextInt(15) == 0) {
      p.getMetadata().setCreationTimestamp(null);
    }
    if (rnd.nextInt(15) == 0) {
      p.getMetadata().setUid(new UUID(rnd.nextLong(), rnd.nextLong()).toString());
    }
    return p;
  }

  private static void assertSameDecoding(
      ObjectDecoder fastDec, ObjectDecoder slowDec, ObjectBatch batch, List<OutboundChange> sent)
      throws Exception {
    ObjectBatch wire = ObjectBatch.parseFrom(batch.toByteArray());
    List<InboundChange> fast = fastDec.decode(wire);
    List<InboundChange> slow = slowDec.decode(wire);
    assertThat(fast).hasSameSizeAs(slow).hasSameSizeAs(sent);
    for (int i = 0; i < fast.size(); i++) {
      assertThat(fast.get(i).ref()).isEqualTo(slow.get(i).ref());
      assertThat(fast.get(i).type()).isEqualTo(slow.get(i).type());
      if (slow.get(i).object() == null) {
        assertThat(fast.get(i).object()).isNull();
        continue;
      }
      assertThat(fast.get(i).object()).isEqualTo(slow.get(i).object());
      assertThat(JSON.serialize(fast.get(i).object()))
          .isEqualTo(JSON.serialize(slow.get(i).object()));
      assertThat(fast.get(i).object())
          .isEqualTo(roundTripWithoutManagedFields((V1Pod) sent.get(i).object()));
    }
  }

  private static List<InboundChange> decodeAll(ObjectDecoder dec, ObjectBatch batch)
      throws Exception {
    return dec.decode(ObjectBatch.parseFrom(batch.toByteArray()));
  }

  private static ObjectEncoder slowEncoderAfter(List<OutboundChange> history) {
    ObjectEncoder enc = SLOW.newEncoder(64);
    enc.encode(POD, history);
    return enc;
  }

  /**
   * The pod as client-java's own JSON round trip gives it (null and empty collections are one in
   * JSON).
   */
  private static V1Pod roundTrip(V1Pod p) {
    return JSON.deserialize(JSON.serialize(p), V1Pod.class);
  }

  private static V1Pod roundTripWithoutManagedFields(V1Pod p) {
    V1Pod copy = roundTrip(p);
    // The codec drops managedFields by default: the decoded pod holds the model's default.
    copy.getMetadata().setManagedFields(new V1ObjectMeta().getManagedFields());
    return copy;
  }

  @Test
  void aTemplateEvictedAndUsedAgainWithinOneBatchStaysKnownToTheDecoder() throws Exception {
    // Bound 1: B evicts A on both sides, then A is used again in the same batch; the encoder
    // records A as
    // sent (it is in the batch), so the decoder must cache it again, or the next batch misses it.
    for (ObjectCodec codec : List.of(FAST, SLOW)) {
      ObjectEncoder enc = codec.newEncoder(1);
      ObjectDecoder dec = codec.newDecoder(1);
      V1Pod b = CodecSizeReport.scheduledPod(1);
      b.getMetadata().setNamespace("elsewhere");
      b.getSpec().setContainers(List.of(new V1Container().name("only").image("busybox")));
      ObjectBatch first =
          enc.encode(
              POD,
              List.of(
                  new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(0), 1),
                  new OutboundChange(ChangeType.ADDED, b, 1),
                  new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(2), 1)));
      assertThat(first.getTemplatesCount()).isEqualTo(2);
      assertThat(decodeAll(dec, first)).hasSize(3);
      ObjectBatch second =
          enc.encode(
              POD,
              List.of(new OutboundChange(ChangeType.ADDED, CodecSizeReport.scheduledPod(3), 1)));
      assertThat(second.getTemplatesCount()).isZero();
      assertThat(decodeAll(dec, second).get(0).object())
          .isEqualTo(roundTripWithoutManagedFields(CodecSizeReport.scheduledPod(3)));
    }
  }

  @Test
  void wireSizeOfTheBurstIsUnchanged() {
    CodecSizeReport.Burst fast =
        CodecSizeReport.burst(FAST, 1000, 100, CodecSizeReport::scheduledPod);
    CodecSizeReport.Burst slow =
        CodecSizeReport.burst(SLOW, 1000, 100, CodecSizeReport::scheduledPod);
    assertThat(fast.wireBytes()).isEqualTo(slow.wireBytes());
    assertThat(TestObjects.fullApiServerJson(0).getBytes(StandardCharsets.UTF_8).length)
        .isGreaterThan((int) fast.perPod());
  }
}
