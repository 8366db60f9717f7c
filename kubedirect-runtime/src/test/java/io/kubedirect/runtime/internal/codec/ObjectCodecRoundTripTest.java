package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectCodecRoundTripTest {

  private final ObjectCodec codec = ObjectCodec.create();

  private static List<InboundChange> roundTrip(
      ObjectEncoder enc, ObjectDecoder dec, String kind, List<OutboundChange> changes)
      throws Exception {
    return dec.decode(ObjectBatch.parseFrom(enc.encode(kind, changes).toByteString()));
  }

  private static void assertSameObject(KubernetesObject decoded, KubernetesObject original) {
    assertThat(decoded).usingRecursiveComparison().isEqualTo(original);
    assertThat(decoded).isEqualTo(original);
  }

  @Test
  void podsRoundTripFieldByField() throws Exception {
    ObjectEncoder enc = codec.newEncoder(16);
    ObjectDecoder dec = codec.newDecoder(16);
    List<OutboundChange> out = new ArrayList<>();
    List<V1Pod> pods = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      V1Pod p = i % 2 == 0 ? TestObjects.newPod(i) : TestObjects.runningPod(i);
      pods.add(p);
      out.add(new OutboundChange(i < 10 ? ChangeType.ADDED : ChangeType.MODIFIED, p, 100 + i));
    }
    List<InboundChange> in = roundTrip(enc, dec, "/v1/Pod", out);

    assertThat(in).hasSize(20);
    for (int i = 0; i < 20; i++) {
      InboundChange c = in.get(i);
      V1Pod original = pods.get(i);
      V1Pod decoded = (V1Pod) c.object();
      assertThat(c.type()).isEqualTo(i < 10 ? ChangeType.ADDED : ChangeType.MODIFIED);
      assertThat(c.ref().getKind()).isEqualTo("/v1/Pod");
      assertThat(c.ref().getNamespace()).isEqualTo(TestObjects.NAMESPACE);
      assertThat(c.ref().getName()).isEqualTo(original.getMetadata().getName());
      assertThat(c.ref().getVersion()).isEqualTo(100 + i);
      assertThat(decoded.getMetadata().getUid()).isEqualTo(TestObjects.uid(i));
      assertThat(decoded.getMetadata().getCreationTimestamp())
          .isEqualTo(original.getMetadata().getCreationTimestamp());
      assertThat(decoded.getMetadata().getLabels()).isEqualTo(TestObjects.podLabels());
      assertThat(decoded.getMetadata().getOwnerReferences()).containsExactly(TestObjects.rsOwner());
      assertThat(decoded.getSpec().getNodeName()).isEqualTo(original.getSpec().getNodeName());
      assertThat(decoded.getMetadata().getResourceVersion())
          .isEqualTo(original.getMetadata().getResourceVersion());
      assertSameObject(decoded, original);
    }
  }

  @Test
  void replicaSetsAndDeploymentsRoundTrip() throws Exception {
    ObjectEncoder enc = codec.newEncoder(4);
    ObjectDecoder dec = codec.newDecoder(4);
    V1ReplicaSet rs = TestObjects.replicaSet();
    V1Deployment d = TestObjects.deployment();

    List<InboundChange> rsIn =
        roundTrip(
            enc, dec, "apps/v1/ReplicaSet", List.of(new OutboundChange(ChangeType.ADDED, rs, 1)));
    List<InboundChange> dIn =
        roundTrip(
            enc, dec, "apps/v1/Deployment", List.of(new OutboundChange(ChangeType.MODIFIED, d, 2)));

    assertSameObject(rsIn.get(0).object(), rs);
    assertSameObject(dIn.get(0).object(), d);
    V1ReplicaSet decodedRs = (V1ReplicaSet) rsIn.get(0).object();
    assertThat(decodedRs.getMetadata().getOwnerReferences())
        .isEqualTo(rs.getMetadata().getOwnerReferences());
    assertThat(decodedRs.getSpec().getTemplate()).isEqualTo(TestObjects.podTemplate());
    assertThat(dIn.get(0).ref().getKind()).isEqualTo("apps/v1/Deployment");
  }

  @Test
  void deletionCarriesOnlyTheReference() throws Exception {
    ObjectEncoder enc = codec.newEncoder(4);
    ObjectDecoder dec = codec.newDecoder(4);
    ObjectBatch batch =
        enc.encode(
            "/v1/Pod",
            List.of(new OutboundChange(ChangeType.DELETED, TestObjects.runningPod(3), 9)));

    assertThat(batch.getTemplatesCount()).isZero();
    assertThat(batch.getChanges(0).getFullJson().isEmpty()).isTrue();
    assertThat(batch.getChanges(0).getTemplateHash()).isZero();
    List<InboundChange> in = dec.decode(batch);
    assertThat(in.get(0).type()).isEqualTo(ChangeType.DELETED);
    assertThat(in.get(0).object()).isNull();
    assertThat(in.get(0).ref().getNamespace()).isEqualTo(TestObjects.NAMESPACE);
    assertThat(in.get(0).ref().getName())
        .isEqualTo(TestObjects.runningPod(3).getMetadata().getName());
    assertThat(in.get(0).ref().getVersion()).isEqualTo(9);
  }

  @Test
  void podsOfOneReplicaSetShareOneTemplateAndCarryOnlyPerObjectFields() {
    ObjectEncoder enc = codec.newEncoder(4);
    List<OutboundChange> out = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      V1Pod p = TestObjects.newPod(i);
      p.getSpec().setNodeName(TestObjects.node(i));
      out.add(new OutboundChange(ChangeType.ADDED, p, 1));
    }
    ObjectBatch batch = enc.encode("/v1/Pod", out);

    assertThat(batch.getTemplatesCount()).isEqualTo(1);
    assertThat(batch.getChangesList())
        .extracting(ObjectChange::getTemplateHash)
        .containsOnly(batch.getTemplates(0).getHash());
    assertThat(batch.getChangesList())
        .allSatisfy(
            c -> {
              assertThat(c.getMergePatch().isEmpty()).isTrue();
              assertThat(c.getFullJson().isEmpty()).isTrue();
              assertThat(c.getNamespace()).isEmpty();
              assertThat(c.getUid().size()).isEqualTo(16);
              assertThat(c.getNodeName()).startsWith("worker-pool-a-");
              assertThat(c.getCreationTimestampMillis()).isPositive();
            });
    String template = batch.getTemplates(0).getJson().toStringUtf8();
    assertThat(template)
        .doesNotContain(TestObjects.REPLICASET + "-" + TestObjects.suffix(0))
        .doesNotContain("nodeName")
        .doesNotContain("creationTimestamp")
        .doesNotContain("\"uid\":\"5eed")
        .contains("\"generateName\":\"" + TestObjects.REPLICASET + "-\"")
        .contains("\"namespace\":\"" + TestObjects.NAMESPACE + "\"");
  }

  @Test
  void timestampsAndUidsThatDoNotFitTypedFieldsTravelInThePatch() throws Exception {
    ObjectEncoder enc = codec.newEncoder(4);
    ObjectDecoder dec = codec.newDecoder(4);
    V1Pod micro = TestObjects.newPod(1);
    micro
        .getMetadata()
        .creationTimestamp(OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 123_456_000, ZoneOffset.UTC));
    micro.getMetadata().uid("not-a-uuid");
    V1Pod offset = TestObjects.newPod(2);
    offset
        .getMetadata()
        .creationTimestamp(OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.ofHours(2)));

    ObjectBatch batch =
        enc.encode(
            "/v1/Pod",
            List.of(
                new OutboundChange(ChangeType.ADDED, micro, 1),
                new OutboundChange(ChangeType.ADDED, offset, 1)));
    List<InboundChange> in = dec.decode(batch);

    assertThat(batch.getChanges(0).getUid().isEmpty()).isTrue();
    assertThat(batch.getChanges(0).getMergePatch().toStringUtf8()).contains("not-a-uuid");
    assertThat(batch.getChanges(0).getCreationTimestampMillis()).isZero();
    assertThat(in.get(0).object().getMetadata().getCreationTimestamp())
        .isEqualTo(micro.getMetadata().getCreationTimestamp());
    assertSameObject(in.get(0).object(), micro);
    // A non-UTC creation time keeps its instant and arrives in UTC (client-java's JSON would shift
    // it).
    OffsetDateTime created = in.get(1).object().getMetadata().getCreationTimestamp();
    assertThat(created.getOffset()).isEqualTo(ZoneOffset.UTC);
    assertThat(created.toInstant())
        .isEqualTo(offset.getMetadata().getCreationTimestamp().toInstant());
    offset.getMetadata().creationTimestamp(created);
    assertSameObject(in.get(1).object(), offset);
  }

  @Test
  void encodingIsDeterministic() {
    List<OutboundChange> out = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      out.add(new OutboundChange(ChangeType.ADDED, TestObjects.runningPod(i), i));
    }
    byte[] first = codec.newEncoder(8).encode("/v1/Pod", out).toByteArray();
    byte[] second = ObjectCodec.create().newEncoder(8).encode("/v1/Pod", out).toByteArray();
    assertThat(second).isEqualTo(first);
  }

  @Test
  void fullJsonModeRoundTrips() throws Exception {
    ObjectCodec plain = ObjectCodec.builder().useTemplates(false).build();
    V1Pod p = TestObjects.runningPod(5);
    ObjectBatch batch =
        plain.newEncoder(1).encode("/v1/Pod", List.of(new OutboundChange(ChangeType.ADDED, p, 1)));

    assertThat(batch.getTemplatesCount()).isZero();
    assertThat(batch.getChanges(0).getFullJson().isEmpty()).isFalse();
    assertSameObject(plain.newDecoder(1).decode(batch).get(0).object(), p);
  }

  @Test
  void updatesOfOneObjectReuseItsTemplateAndCarryOnlyTheChange() throws Exception {
    ObjectEncoder enc = codec.newEncoder(4);
    ObjectDecoder dec = codec.newDecoder(4);
    V1Deployment d = TestObjects.deployment();
    ObjectBatch first =
        enc.encode("apps/v1/Deployment", List.of(new OutboundChange(ChangeType.ADDED, d, 1)));
    dec.decode(first);

    for (int replicas = 1; replicas <= 5; replicas++) {
      V1Deployment scaled = TestObjects.deployment();
      scaled.getSpec().setReplicas(replicas);
      scaled.getMetadata().setGeneration(3L + replicas);
      ObjectBatch b =
          enc.encode(
              "apps/v1/Deployment",
              List.of(new OutboundChange(ChangeType.MODIFIED, scaled, 1 + replicas)));

      assertThat(b.getTemplatesCount()).isZero();
      assertThat(b.getChanges(0).getTemplateHash()).isEqualTo(first.getTemplates(0).getHash());
      assertThat(b.getChanges(0).getMergePatch().toStringUtf8())
          .isEqualTo(
              "{\"metadata\":{\"generation\":"
                  + (3 + replicas)
                  + ",\"resourceVersion\":\"184219001\"},"
                  + "\"spec\":{\"replicas\":"
                  + replicas
                  + "}}");
      assertSameObject(dec.decode(b).get(0).object(), scaled);
    }
  }

  @Test
  void aTemplateOfAnotherKindIsNotUsableInABatch() throws Exception {
    ObjectEncoder enc = codec.newEncoder(4);
    ObjectDecoder dec = codec.newDecoder(4);
    ObjectBatch pods =
        enc.encode(
            "/v1/Pod", List.of(new OutboundChange(ChangeType.ADDED, TestObjects.newPod(1), 1)));
    dec.decode(pods);
    ObjectBatch forged =
        ObjectBatch.newBuilder()
            .setKind("apps/v1/ReplicaSet")
            .addChanges(ObjectChange.newBuilder(pods.getChanges(0)))
            .build();

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> dec.decode(forged))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("kind");
  }

  @Test
  void clusterScopedObjectsRoundTrip() throws Exception {
    io.kubernetes.client.openapi.models.V1Node node =
        new io.kubernetes.client.openapi.models.V1Node()
            .apiVersion("v1")
            .kind("Node")
            .metadata(
                new io.kubernetes.client.openapi.models.V1ObjectMeta()
                    .name("worker-1")
                    .uid(TestObjects.uid(77))
                    .creationTimestamp(TestObjects.T0)
                    .putAnnotationsItem("kubedirect.io/sandbox-manager-address", "10.0.0.1:7100"))
            .spec(new io.kubernetes.client.openapi.models.V1NodeSpec().podCIDR("10.244.3.0/24"));
    List<InboundChange> in =
        roundTrip(
            codec.newEncoder(2),
            codec.newDecoder(2),
            "/v1/Node",
            List.of(new OutboundChange(ChangeType.ADDED, node, 4)));

    assertThat(in.get(0).ref().getNamespace()).isEmpty();
    assertThat(in.get(0).ref().getName()).isEqualTo("worker-1");
    assertSameObject(in.get(0).object(), node);
  }
}
