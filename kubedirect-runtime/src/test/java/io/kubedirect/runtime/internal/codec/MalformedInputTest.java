package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.protocol.v1.Template;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MalformedInputTest {

  private final ObjectCodec codec = ObjectCodec.create();
  private final ObjectDecoder decoder = codec.newDecoder(8);

  /** After every rejected input the decoder still decodes a valid batch. */
  @AfterEach
  void decoderKeepsServing() throws Exception {
    ObjectBatch ok =
        codec
            .newEncoder(8)
            .encode(
                "/v1/Pod", List.of(new OutboundChange(ChangeType.ADDED, TestObjects.newPod(7), 1)));
    assertThat(decoder.decode(ok).get(0).object()).isEqualTo(TestObjects.newPod(7));
  }

  private static long hash(byte[] json) throws Exception {
    return ByteBuffer.wrap(MessageDigest.getInstance("SHA-256").digest(json)).getLong();
  }

  private static ObjectBatch withTemplate(String kind, String json) throws Exception {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    long h = hash(bytes);
    return ObjectBatch.newBuilder()
        .setKind("/v1/Pod")
        .addTemplates(
            Template.newBuilder().setHash(h).setKind(kind).setJson(ByteString.copyFrom(bytes)))
        .addChanges(
            ObjectChange.newBuilder().setType(ChangeType.ADDED).setName("p").setTemplateHash(h))
        .build();
  }

  private static ObjectBatch validBatch() {
    return ObjectCodec.create()
        .newEncoder(8)
        .encode("/v1/Pod", List.of(new OutboundChange(ChangeType.ADDED, TestObjects.newPod(1), 1)));
  }

  private static ObjectBatch fullJson(String json) {
    return ObjectBatch.newBuilder()
        .setKind("/v1/Pod")
        .addChanges(
            ObjectChange.newBuilder()
                .setType(ChangeType.ADDED)
                .setName("p")
                .setFullJson(ByteString.copyFromUtf8(json)))
        .build();
  }

  @Test
  void unknownKindIsRejected() {
    ObjectBatch b = ObjectBatch.newBuilder(validBatch()).setKind("example.com/v1/Widget").build();
    assertThatThrownBy(() -> decoder.decode(b))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("unknown kind");
  }

  @Test
  void templateWhoseJsonDoesNotMatchItsHashIsRejected() {
    ObjectBatch valid = validBatch();
    Template t = valid.getTemplates(0);
    byte[] json = t.getJson().toByteArray();
    json[json.length / 2] ^= 0x01;
    ObjectBatch b =
        ObjectBatch.newBuilder(valid)
            .setTemplates(0, Template.newBuilder(t).setJson(ByteString.copyFrom(json)))
            .build();
    assertThatThrownBy(() -> decoder.decode(b))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("hash");
    assertThat(decoder.cachedTemplates()).isZero();
  }

  @Test
  void templateOfAnotherKindIsRejected() {
    ObjectBatch valid = validBatch();
    ObjectBatch b =
        ObjectBatch.newBuilder(valid)
            .setTemplates(
                0, Template.newBuilder(valid.getTemplates(0)).setKind("apps/v1/ReplicaSet"))
            .build();
    assertThatThrownBy(() -> decoder.decode(b)).isInstanceOf(MalformedObjectException.class);
  }

  @Test
  void invalidTemplateJsonIsRejectedEvenWithAMatchingHash() {
    for (String json :
        List.of("{\"metadata\":", "{} trailing", "[1,2]", "{'a':1}", "{\"a\":1,}", "nul")) {
      assertThatThrownBy(() -> decoder.decode(withTemplate("/v1/Pod", json)))
          .as(json)
          .isInstanceOf(MalformedObjectException.class);
    }
  }

  @Test
  void deeplyNestedJsonIsRejected() {
    String deep = "{\"a\":".repeat(5000) + "1" + "}".repeat(5000);
    assertThatThrownBy(() -> decoder.decode(withTemplate("/v1/Pod", deep)))
        .isInstanceOf(MalformedObjectException.class);
  }

  @Test
  void objectsThatAreNotValidForTheKindAreRejected() {
    assertThatThrownBy(
            () ->
                decoder.decode(fullJson("{\"metadata\":{\"name\":\"p\"},\"spec\":{\"bogus\":1}}")))
        .isInstanceOf(MalformedObjectException.class);
    assertThatThrownBy(
            () ->
                decoder.decode(
                    fullJson(
                        "{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\","
                            + "\"metadata\":{\"name\":\"p\"}}")))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("apiVersion");
    assertThatThrownBy(() -> decoder.decode(fullJson("{\"metadata\":{\"name\":7},\"spec\":[]}")))
        .isInstanceOf(MalformedObjectException.class);
    assertThatThrownBy(
            () ->
                decoder.decode(
                    ObjectBatch.newBuilder()
                        .setKind("/v1/Pod")
                        .addChanges(
                            ObjectChange.newBuilder()
                                .setType(ChangeType.ADDED)
                                .setFullJson(ByteString.copyFromUtf8("{}")))
                        .build()))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("name");
  }

  @Test
  void badFieldsOfAChangeAreRejected() {
    ObjectBatch valid = validBatch();
    ObjectChange c = valid.getChanges(0);
    List<ObjectChange> bad =
        List.of(
            ObjectChange.newBuilder(c).setUid(ByteString.copyFrom(new byte[15])).build(),
            ObjectChange.newBuilder(c).setType(ChangeType.CHANGE_TYPE_UNSPECIFIED).build(),
            ObjectChange.newBuilder(c).setTemplateHash(0).build(),
            ObjectChange.newBuilder(c).setMergePatch(ByteString.copyFromUtf8("not json")).build(),
            ObjectChange.newBuilder(c).setMergePatch(ByteString.copyFromUtf8("[]")).build(),
            ObjectChange.newBuilder(c)
                .setMergePatch(ByteString.copyFromUtf8("{\"metadata\":{\"name\":null}}"))
                .build(),
            ObjectChange.newBuilder(c)
                .setName("")
                .setMergePatch(ByteString.copyFromUtf8("{\"metadata\":{\"labels\":\"x\"}}"))
                .build());
    for (ObjectChange change : bad) {
      ObjectBatch b = ObjectBatch.newBuilder(valid).setChanges(0, change).build();
      assertThatThrownBy(() -> decoder.decode(b))
          .as(change.toString())
          .isInstanceOf(MalformedObjectException.class);
    }
  }

  @Test
  void sizesAreNotTrustedBlindly() {
    ObjectCodec small = ObjectCodec.builder().maxObjectBytes(1024).maxChangesPerBatch(3).build();
    ObjectDecoder d = small.newDecoder(4);
    assertThatThrownBy(() -> d.decode(validBatch()))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("exceeds");
    ObjectBatch.Builder many = ObjectBatch.newBuilder().setKind("/v1/Pod");
    for (int i = 0; i < 4; i++) {
      many.addChanges(ObjectChange.newBuilder().setType(ChangeType.DELETED).setName("p" + i));
    }
    assertThatThrownBy(() -> d.decode(many.build()))
        .isInstanceOf(MalformedObjectException.class)
        .hasMessageContaining("exceeds");
  }

  @Test
  void encoderRejectsObjectsItCannotName() {
    ObjectEncoder enc = codec.newEncoder(2);
    assertThatThrownBy(() -> enc.encode("example.com/v1/Widget", List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                enc.encode(
                    "apps/v1/ReplicaSet",
                    List.of(new OutboundChange(ChangeType.ADDED, TestObjects.newPod(1), 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("/v1/Pod");
    assertThatThrownBy(
            () ->
                enc.encode(
                    "/v1/Pod",
                    List.of(
                        new OutboundChange(
                            ChangeType.ADDED, new V1Pod().metadata(new V1ObjectMeta()), 1))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("name");
    assertThatThrownBy(
            () -> new OutboundChange(ChangeType.CHANGE_TYPE_UNSPECIFIED, TestObjects.newPod(1), 1))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
