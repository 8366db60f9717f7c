package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

class TemplateLifecycleTest {

  private final ObjectCodec codec = ObjectCodec.create();

  private static OutboundChange add(V1Pod p) {
    return new OutboundChange(ChangeType.ADDED, p, 1);
  }

  /** A pod of a different "ReplicaSet": another image gives another template. */
  private static V1Pod otherPod(int group, int i) {
    V1Pod p = TestObjects.newPod(i);
    p.getSpec().getContainers().get(0).setImage("registry.example.com/fn-" + group + ":v1");
    return p;
  }

  @Test
  void templateIsSentOncePerEncoderAndAgainAfterReset() throws Exception {
    ObjectEncoder enc = codec.newEncoder(8);
    ObjectBatch b1 =
        enc.encode("/v1/Pod", List.of(add(TestObjects.newPod(1)), add(TestObjects.newPod(2))));
    ObjectBatch b2 = enc.encode("/v1/Pod", List.of(add(TestObjects.newPod(3))));
    enc.reset();
    ObjectBatch b3 = enc.encode("/v1/Pod", List.of(add(TestObjects.newPod(4))));
    ObjectBatch other = codec.newEncoder(8).encode("/v1/Pod", List.of(add(TestObjects.newPod(5))));

    assertThat(b1.getTemplatesCount()).isEqualTo(1);
    assertThat(b2.getTemplatesCount()).isZero();
    assertThat(b3.getTemplatesCount()).isEqualTo(1);
    assertThat(b3.getTemplates(0)).isEqualTo(b1.getTemplates(0));
    assertThat(other.getTemplates(0).getHash()).isEqualTo(b1.getTemplates(0).getHash());
    assertThat(b2.getChanges(0).getTemplateHash()).isEqualTo(b1.getTemplates(0).getHash());

    ObjectDecoder dec = codec.newDecoder(8);
    dec.decode(b1);
    assertThat(dec.decode(b2).get(0).object().getMetadata().getName())
        .isEqualTo(TestObjects.newPod(3).getMetadata().getName());
    assertThat(dec.cachedTemplates()).isEqualTo(1);
  }

  @Test
  void templateHashIsSha256PrefixOfItsJson() throws Exception {
    ObjectBatch b = codec.newEncoder(1).encode("/v1/Pod", List.of(add(TestObjects.newPod(1))));
    byte[] sha =
        java.security.MessageDigest.getInstance("SHA-256")
            .digest(b.getTemplates(0).getJson().toByteArray());
    assertThat(b.getTemplates(0).getHash()).isEqualTo(java.nio.ByteBuffer.wrap(sha).getLong());
    assertThat(b.getTemplates(0).getKind()).isEqualTo("/v1/Pod");
  }

  @Test
  void freshDecoderReportsMissingTemplatesWithTheRightRefs() throws Exception {
    ObjectEncoder enc = codec.newEncoder(8);
    enc.encode("/v1/Pod", List.of(add(TestObjects.newPod(1))));
    ObjectBatch second =
        enc.encode("/v1/Pod", List.of(add(TestObjects.newPod(2)), add(TestObjects.newPod(3))));

    ObjectDecoder dec = codec.newDecoder(8);
    MissingTemplateException e =
        catchThrowableOfType(MissingTemplateException.class, () -> dec.decode(second));

    assertThat(e.refs())
        .extracting(ObjectRef::getName)
        .containsExactly(
            TestObjects.newPod(2).getMetadata().getName(),
            TestObjects.newPod(3).getMetadata().getName());
    assertThat(e.refs()).extracting(ObjectRef::getKind).containsOnly("/v1/Pod");
    assertThat(e.templateHashes()).containsExactly(second.getChanges(0).getTemplateHash());

    enc.reset();
    ObjectBatch resent =
        enc.encode("/v1/Pod", List.of(add(TestObjects.newPod(2)), add(TestObjects.newPod(3))));
    assertThat(dec.decode(resent)).hasSize(2);
  }

  @Test
  void decoderEvictionLeadsToMissingTemplateForTheEvictedOnesOnly() throws Exception {
    ObjectEncoder enc = codec.newEncoder(8);
    ObjectDecoder dec = codec.newDecoder(2);
    dec.decode(enc.encode("/v1/Pod", List.of(add(otherPod(1, 10)))));
    dec.decode(enc.encode("/v1/Pod", List.of(add(otherPod(2, 20)))));
    dec.decode(enc.encode("/v1/Pod", List.of(add(otherPod(3, 30))))); // evicts group 1
    assertThat(dec.cachedTemplates()).isEqualTo(2);

    ObjectBatch mixed =
        enc.encode(
            "/v1/Pod",
            List.of(
                add(otherPod(3, 31)),
                add(otherPod(1, 11)),
                add(otherPod(2, 21)),
                add(otherPod(1, 12))));
    assertThat(mixed.getTemplatesCount()).isZero();
    MissingTemplateException e =
        catchThrowableOfType(MissingTemplateException.class, () -> dec.decode(mixed));

    assertThat(e.refs())
        .extracting(ObjectRef::getName)
        .containsExactly(
            otherPod(1, 11).getMetadata().getName(), otherPod(1, 12).getMetadata().getName());
    assertThat(e.templateHashes()).hasSize(1);
  }

  @Test
  void decoderEvictsByTotalBytes() throws Exception {
    ObjectBatch b1 = codec.newEncoder(8).encode("/v1/Pod", List.of(add(otherPod(1, 1))));
    ObjectBatch b2 = codec.newEncoder(8).encode("/v1/Pod", List.of(add(otherPod(2, 2))));
    int size = b1.getTemplates(0).getJson().size();
    ObjectCodec small =
        ObjectCodec.builder().maxTemplateBytes(size + size / 2).maxObjectBytes(size + 100).build();
    ObjectDecoder dec = small.newDecoder(100);

    dec.decode(b1);
    dec.decode(b2);

    assertThat(dec.cachedTemplates()).isEqualTo(1);
    ObjectBatch again = ObjectBatch.newBuilder(b1).clearTemplates().build();
    assertThatThrownBy(() -> dec.decode(again)).isInstanceOf(MissingTemplateException.class);
  }

  @Test
  void batchWithMoreTemplatesThanTheCacheHoldsStillDecodes() throws Exception {
    ObjectEncoder enc = codec.newEncoder(16);
    ObjectBatch b =
        enc.encode(
            "/v1/Pod",
            List.of(
                add(otherPod(1, 1)),
                add(otherPod(2, 2)),
                add(otherPod(3, 3)),
                add(otherPod(4, 4))));
    ObjectDecoder dec = codec.newDecoder(2);

    assertThat(b.getTemplatesCount()).isEqualTo(4);
    assertThat(dec.decode(b))
        .extracting(c -> ((V1Pod) c.object()).getSpec().getContainers().get(0).getImage())
        .containsExactly(
            "registry.example.com/fn-1:v1",
            "registry.example.com/fn-2:v1",
            "registry.example.com/fn-3:v1",
            "registry.example.com/fn-4:v1");
    assertThat(dec.cachedTemplates()).isEqualTo(2);
  }

  @Test
  void encoderResendsATemplateItForgotUnderItsBound() {
    ObjectEncoder enc = codec.newEncoder(1);
    ObjectBatch a = enc.encode("/v1/Pod", List.of(add(otherPod(1, 1))));
    ObjectBatch b = enc.encode("/v1/Pod", List.of(add(otherPod(2, 2))));
    ObjectBatch c = enc.encode("/v1/Pod", List.of(add(otherPod(1, 3))));

    assertThat(a.getTemplatesCount()).isEqualTo(1);
    assertThat(b.getTemplatesCount()).isEqualTo(1);
    assertThat(c.getTemplatesCount()).isEqualTo(1);
    assertThat(c.getTemplates(0).getHash()).isEqualTo(a.getTemplates(0).getHash());
  }

  @Test
  void statusDifferencesTravelAsPatchAgainstTheGroupTemplate() throws Exception {
    ObjectEncoder enc = codec.newEncoder(4);
    ObjectDecoder dec = codec.newDecoder(4);
    ObjectBatch b =
        enc.encode(
            "/v1/Pod", List.of(add(TestObjects.runningPod(1)), add(TestObjects.runningPod(2))));

    assertThat(b.getTemplatesCount()).isEqualTo(1);
    assertThat(b.getChanges(1).getTemplateHash()).isEqualTo(b.getChanges(0).getTemplateHash());
    assertThat(b.getChanges(1).getMergePatch().toStringUtf8()).contains("status").contains("podIP");
    assertThat(dec.decode(b).get(1).object()).isEqualTo(TestObjects.runningPod(2));
  }

  @Test
  void fieldsMissingFromAnObjectAreDeletedByItsPatch() throws Exception {
    ObjectEncoder enc = codec.newEncoder(4);
    V1Pod running = TestObjects.runningPod(1);
    running.getMetadata().setResourceVersion(null);
    running.getSpec().setNodeName(null);
    V1Pod fresh = TestObjects.newPod(2);
    ObjectBatch b = enc.encode("/v1/Pod", List.of(add(running), add(fresh)));

    assertThat(b.getTemplatesCount()).isEqualTo(1);
    assertThat(b.getChanges(1).getMergePatch().toStringUtf8()).isEqualTo("{\"status\":null}");
    V1Pod decoded = (V1Pod) codec.newDecoder(4).decode(b).get(1).object();
    assertThat(decoded.getStatus()).isNull();
    assertThat(decoded).isEqualTo(fresh);
  }

  @Test
  void equalBoundsKeepEncoderAndDecoderInStep() throws Exception {
    java.util.Random rnd = new java.util.Random(42);
    ObjectEncoder enc = codec.newEncoder(3);
    ObjectDecoder dec = codec.newDecoder(3);
    int templatesSent = 0;
    for (int round = 0; round < 60; round++) {
      List<OutboundChange> changes = new java.util.ArrayList<>();
      for (int i = 0; i < 1 + rnd.nextInt(5); i++) {
        changes.add(add(otherPod(rnd.nextInt(6), round * 10 + i)));
      }
      ObjectBatch b = enc.encode("/v1/Pod", changes);
      templatesSent += b.getTemplatesCount();
      assertThat(dec.decode(b)).hasSize(changes.size());
    }
    assertThat(dec.cachedTemplates()).isEqualTo(3);
    assertThat(templatesSent).isGreaterThan(6); // evictions forced resends, and none was missed
  }
}
