package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1Toleration;
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
 * Seeded property test: randomly varied pods (labels, annotations, containers, env, resources,
 * node, uid, timestamps, resourceVersion, status, removed fields), encoded in random batches on
 * encoders and decoders with random (small) template bounds, equal on both sides (so no
 * MissingTemplateException may occur). Every decoded pod must equal its original (as client-java's
 * own JSON round trip gives it: JSON has no null-vs-empty-collection distinction), and encoding
 * must be deterministic. Iterations: {@code kubedirect.sim.seeds / 20} (25 by default, 500 under
 * {@code -Psoak}).
 */
class CodecPropertyTest {

  private static final int ITERATIONS =
      Math.max(20, Integer.getInteger("kubedirect.sim.seeds", 500) / 20);

  @Test
  void randomPodsRoundTripExactly() throws Exception {
    ObjectCodec codec = ObjectCodec.create();
    for (int seed = 1; seed <= ITERATIONS; seed++) {
      Random rnd = new Random(seed);
      int bound = 1 + rnd.nextInt(4);
      ObjectEncoder enc = codec.newEncoder(bound);
      ObjectDecoder dec = codec.newDecoder(bound);
      List<V1Pod> all = new ArrayList<>();
      for (int batchNo = 0; batchNo < 1 + rnd.nextInt(4); batchNo++) {
        List<OutboundChange> changes = new ArrayList<>();
        List<V1Pod> pods = new ArrayList<>();
        for (int i = 0; i < 1 + rnd.nextInt(8); i++) {
          V1Pod p = randomPod(rnd, seed * 1000 + batchNo * 10 + i);
          pods.add(p);
          ChangeType type = ChangeType.forNumber(1 + rnd.nextInt(3));
          changes.add(new OutboundChange(type, p, rnd.nextInt(1000)));
        }
        all.addAll(pods);
        // Serialize the objects now: the codec must not depend on or mutate the caller's object.
        List<String> before = pods.stream().map(JSON::serialize).toList();
        ObjectBatch batch = enc.encode("/v1/Pod", changes);
        assertThat(pods.stream().map(JSON::serialize).toList()).isEqualTo(before);
        // Equal bounds on both sides: the encoder's record of sent templates mirrors the decoder's
        // LRU, so a
        // MissingTemplateException here would be a codec bug.
        List<InboundChange> in = dec.decode(ObjectBatch.parseFrom(batch.toByteArray()));
        assertThat(in).hasSize(changes.size());
        for (int i = 0; i < in.size(); i++) {
          OutboundChange sent = changes.get(i);
          InboundChange got = in.get(i);
          assertThat(got.type()).as("seed %d", seed).isEqualTo(sent.type());
          assertThat(got.ref().getName()).isEqualTo(sent.object().getMetadata().getName());
          assertThat(got.ref().getNamespace())
              .isEqualTo(sent.object().getMetadata().getNamespace());
          assertThat(got.ref().getVersion()).isEqualTo(sent.version());
          if (sent.type() == ChangeType.DELETED) {
            assertThat(got.object()).isNull();
          } else {
            // JSON cannot tell a null collection from an empty one; compare with client-java's own
            // round trip.
            V1Pod expected = JSON.deserialize(JSON.serialize(sent.object()), V1Pod.class);
            if (!expected.equals(got.object())) {
              assertThat(got.object())
                  .as("seed %d pod %d", seed, i)
                  .usingRecursiveComparison()
                  .isEqualTo(expected);
            }
            assertThat(got.object()).isEqualTo(expected);
          }
        }
      }
      // Determinism: a fresh encoder yields the same bytes for the same input.
      List<OutboundChange> again =
          all.stream().map(p -> new OutboundChange(ChangeType.ADDED, p, 1)).toList();
      assertThat(codec.newEncoder(bound).encode("/v1/Pod", again).toByteArray())
          .isEqualTo(codec.newEncoder(bound).encode("/v1/Pod", again).toByteArray());
    }
  }

  private static V1Pod randomPod(Random rnd, int i) {
    V1Pod p = rnd.nextInt(3) == 0 ? TestObjects.runningPod(i) : TestObjects.newPod(i % 7);
    p.getMetadata().setName("pod-" + i);
    if (rnd.nextInt(4) == 0) {
      p.getMetadata().setNamespace("ns-" + rnd.nextInt(3));
    }
    if (rnd.nextBoolean()) {
      Map<String, String> labels = new LinkedHashMap<>(p.getMetadata().getLabels());
      labels.put("random-" + rnd.nextInt(5), "v" + rnd.nextInt(3));
      if (rnd.nextBoolean()) {
        labels.remove("team");
      }
      p.getMetadata().setLabels(labels);
    }
    if (rnd.nextInt(4) == 0) {
      p.getMetadata().setAnnotations(null);
    }
    switch (rnd.nextInt(4)) {
      case 0 -> p.getMetadata().setUid(null);
      case 1 -> p.getMetadata().setUid("uid-" + rnd.nextInt(100));
      case 2 -> p.getMetadata().setUid(new UUID(rnd.nextLong(), rnd.nextLong()).toString());
      default -> {}
    }
    switch (rnd.nextInt(4)) {
      case 0 -> p.getMetadata().setCreationTimestamp(null);
      case 1 ->
          p.getMetadata()
              .setCreationTimestamp(
                  OffsetDateTime.of(
                      2026,
                      1 + rnd.nextInt(12),
                      1,
                      0,
                      0,
                      0,
                      rnd.nextInt(1_000_000) * 1000,
                      ZoneOffset.UTC));
      case 2 ->
          p.getMetadata().setCreationTimestamp(TestObjects.T0.plusSeconds(rnd.nextInt(100_000)));
      default -> {}
    }
    if (rnd.nextInt(3) == 0) {
      p.getMetadata().setResourceVersion(String.valueOf(rnd.nextInt(1_000_000)));
    }
    if (rnd.nextBoolean()) {
      p.getSpec().setNodeName("node-" + rnd.nextInt(10));
    } else if (rnd.nextInt(5) == 0) {
      p.getSpec().setNodeName("");
    }
    V1Container c = p.getSpec().getContainers().get(0);
    if (rnd.nextInt(3) == 0) {
      List<V1EnvVar> env = new ArrayList<>(c.getEnv());
      env.add(
          new V1EnvVar()
              .name("RANDOM_" + rnd.nextInt(4))
              .value("\u00e9\u4e2d\"<&>\\" + rnd.nextInt(9)));
      c.setEnv(env);
    }
    if (rnd.nextInt(4) == 0) {
      c.getResources()
          .setRequests(
              Map.of(
                  "cpu",
                  Quantity.fromString((1 + rnd.nextInt(900)) + "m"),
                  "memory",
                  Quantity.fromString((1 + rnd.nextInt(8)) + "Gi")));
    }
    if (rnd.nextInt(5) == 0) {
      List<V1Container> cs = new ArrayList<>(p.getSpec().getContainers());
      cs.remove(1);
      p.getSpec().setContainers(cs);
    }
    if (rnd.nextInt(5) == 0) {
      p.getSpec()
          .setTolerations(List.of(new V1Toleration().key("k" + rnd.nextInt(3)).operator("Exists")));
    }
    if (rnd.nextInt(4) == 0) {
      p.status(
          new V1PodStatus()
              .phase(rnd.nextBoolean() ? "Pending" : "Running")
              .conditions(
                  List.of(
                      new V1PodCondition()
                          .type("PodScheduled")
                          .status("True")
                          .lastTransitionTime(TestObjects.T0.plusSeconds(rnd.nextInt(60))))));
    }
    return p;
  }
}
