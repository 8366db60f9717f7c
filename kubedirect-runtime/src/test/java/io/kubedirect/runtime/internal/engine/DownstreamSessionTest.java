package io.kubedirect.runtime.internal.engine;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.HandshakeReconcile;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.runtime.internal.codec.ObjectCodec;
import io.kubedirect.runtime.internal.codec.ObjectEncoder;
import io.kubedirect.runtime.internal.codec.OutboundChange;
import io.kubedirect.transport.PeerIdentity;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The receiving side, driven message by message through a recording link. */
class DownstreamSessionTest {

  static final StageDeclaration TAIL =
      StageDeclaration.builder("sm").upstream("rs").receives(V1Pod.class).build();

  DeterministicTaskScheduler sched;
  DefaultStageEngine engine;
  ReceiverHandler handler;
  ObjectEncoder encoder;
  FakePersistedStore persisted;
  int links;

  @BeforeEach
  void setUp() {
    build(EngineLimits.defaults());
  }

  void build(EngineLimits limits) {
    sched = new DeterministicTaskScheduler(1);
    persisted = new FakePersistedStore(sched);
    engine =
        (DefaultStageEngine)
            StageEngine.builder()
                .stage(TAIL)
                .scheduler(sched)
                .persistedApi(persisted)
                .persistedFeed(persisted)
                .transport(
                    io.kubedirect.transport.inmemory.InMemoryNetwork.builder(sched)
                        .build()
                        .transport("sm"))
                .listen(new io.kubedirect.transport.PeerAddress("sm", 0))
                .limits(limits)
                .build();
    handler = new ReceiverHandler(engine);
    encoder = ObjectCodec.create().newEncoder(16);
  }

  FakeLink open(String stage, boolean verified) {
    FakeLink l =
        new FakeLink(
            "l" + (++links), new PeerIdentity(stage, verified, verified ? "CN=" + stage : ""));
    handler.onOpen(l);
    return l;
  }

  Envelope request(long epoch, String source) {
    return Envelope.newBuilder()
        .setSeq(1)
        .setEpoch(epoch)
        .setHandshakeRequest(HandshakeRequest.newBuilder().setSource(source).setDestination("sm"))
        .build();
  }

  ObjectBatch batch(ObjectEncoder enc, ChangeType type, long version, V1Pod... pods) {
    List<OutboundChange> cs = new ArrayList<>();
    for (V1Pod p : pods) {
      cs.add(new OutboundChange(type, p, version));
    }
    return enc.encode(POD, cs);
  }

  /** Runs both handshake rounds on {@code l} with epoch {@code epoch}, resending {@code pods}. */
  void handshake(FakeLink l, long epoch, V1Pod... pods) {
    handler.onMessage(l, request(epoch, "rs"));
    assertThat(l.last().hasHandshakeSnapshot()).isTrue();
    HandshakeReconcile.Builder rec = HandshakeReconcile.newBuilder();
    if (pods.length > 0) {
      rec.setResend(batch(encoder, ChangeType.ADDED, 1, pods));
    }
    handler.onMessage(
        l, Envelope.newBuilder().setSeq(2).setEpoch(epoch).setHandshakeReconcile(rec).build());
    assertThat(l.last().hasHandshakeConfirm()).isTrue();
  }

  @Test
  void aStageThatIsNotADeclaredUpstreamIsRejected() {
    FakeLink l = open("intruder", false);
    assertThat(l.closedWith).isEqualTo(ErrorCode.UNAUTHORIZED);
    handler.onMessage(l, request(5, "intruder"));
    assertThat(l.sent).isEmpty();
    assertThat(engine.metrics().count("handshakes")).isEqualTo(1.0);
  }

  @Test
  void anUnverifiedPeerIsRejectedWhenVerificationIsRequired() {
    build(EngineLimits.defaults().withRequireVerifiedPeers(true));
    assertThat(open("rs", false).closedWith).isEqualTo(ErrorCode.UNAUTHORIZED);
    FakeLink ok = open("rs", true);
    assertThat(ok.closedWith).isNull();
    handler.onMessage(ok, request(5, "rs"));
    assertThat(ok.last().hasHandshakeSnapshot()).isTrue();
  }

  @Test
  void aSourceNameThatDiffersFromThePeerIdentityIsUnauthorized() {
    FakeLink l = open("rs", false);
    handler.onMessage(l, request(5, "other"));
    assertThat(l.sent.get(0).getError().getCode()).isEqualTo(ErrorCode.UNAUTHORIZED);
    assertThat(l.closedWith).isEqualTo(ErrorCode.UNAUTHORIZED);
  }

  @Test
  void theSnapshotCarriesTheHeldObjectsWithContentDecodableByAFreshDecoder() throws Exception {
    FakeLink l = open("rs", false);
    handshake(l, 10, pod("a", null), pod("b", "node-2"));
    FakeLink l2 = open("rs", false);
    handler.onMessage(l2, request(11, "rs"));
    io.kubedirect.protocol.v1.HandshakeSnapshot snap = l2.last().getHandshakeSnapshot();
    assertThat(snap.getHeldCount()).isEqualTo(2);
    assertThat(snap.getObjectsCount()).isEqualTo(1);
    List<io.kubedirect.runtime.internal.codec.InboundChange> decoded =
        ObjectCodec.create().newDecoder(16).decode(snap.getObjects(0));
    assertThat(decoded)
        .extracting(
            c ->
                c.ref().getName()
                    + "@"
                    + c.ref().getVersion()
                    + " node="
                    + ((V1Pod) c.object()).getSpec().getNodeName()
                    + " "
                    + c.type())
        .containsExactlyInAnyOrder("a@1 node=null ADDED", "b@1 node=node-2 ADDED");
  }

  @Test
  void bothHandshakeRoundsInstallTheEpochAndApplyTheResend() {
    FakeLink l = open("rs", false);
    handshake(l, 10, pod("a", null), pod("b", null));
    assertThat(l.last().getEpoch()).isEqualTo(10);
    assertThat(l.last().getHandshakeConfirm().getHeld()).isEqualTo(2);
    assertThat(engine.store().size()).isEqualTo(2);
  }

  @Test
  void anOlderOrEqualEpochIsRejectedAndFencingStopsTheOldLink() {
    FakeLink l1 = open("rs", false);
    handshake(l1, 10, pod("a", null));
    handler.onMessage(l1, request(10, "rs"));
    assertThat(l1.last().getError().getCode()).isEqualTo(ErrorCode.EPOCH_MISMATCH);
    handler.onMessage(l1, request(9, "rs"));
    assertThat(l1.last().getError().getCode()).isEqualTo(ErrorCode.EPOCH_MISMATCH);

    // A newer epoch on a second link fences the first; its snapshot lists what the first delivered.
    FakeLink l2 = open("rs", false);
    handler.onMessage(l2, request(20, "rs"));
    List<ObjectRef> held = l2.last().getHandshakeSnapshot().getHeldList();
    assertThat(held).extracting(ObjectRef::getName).containsExactly("a");
    assertThat(held.get(0).getVersion()).isEqualTo(1);
    assertThat(held.get(0).getKind()).isEqualTo(POD);

    // The zombie keeps sending under epoch 10: rejected, nothing applied.
    ObjectEncoder zombie = ObjectCodec.create().newEncoder(16);
    handler.onMessage(
        l1,
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(10)
            .setObjectBatch(batch(zombie, ChangeType.ADDED, 5, pod("z", null)))
            .build());
    assertThat(l1.last().getError().getCode()).isEqualTo(ErrorCode.EPOCH_MISMATCH);
    assertThat(l1.last().getError().getSeq()).isEqualTo(3);
    handler.onMessage(
        l1,
        Envelope.newBuilder()
            .setSeq(4)
            .setEpoch(10)
            .setHandshakeReconcile(HandshakeReconcile.newBuilder().addRetract(held.get(0)))
            .build());
    assertThat(l1.last().getError().getCode()).isEqualTo(ErrorCode.EPOCH_MISMATCH);
    assertThat(engine.store().get(POD, "default/z")).isEmpty();
    assertThat(engine.store().get(POD, "default/a")).isPresent();
    assertThat(engine.metrics().count("epoch.rejections")).isEqualTo(4.0);
  }

  @Test
  void roundTwoRetractsStaleObjects() {
    FakeLink l1 = open("rs", false);
    handshake(l1, 10, pod("a", null), pod("b", null));
    FakeLink l2 = open("rs", false);
    handler.onMessage(l2, request(11, "rs"));
    ObjectRef a =
        l2.last().getHandshakeSnapshot().getHeldList().stream()
            .filter(r -> r.getName().equals("a"))
            .findFirst()
            .orElseThrow();
    handler.onMessage(
        l2,
        Envelope.newBuilder()
            .setSeq(2)
            .setEpoch(11)
            .setHandshakeReconcile(HandshakeReconcile.newBuilder().addRetract(a))
            .build());
    assertThat(l2.last().getHandshakeConfirm().getHeld()).isEqualTo(1);
    assertThat(engine.store().get(POD, "default/a")).isEmpty();
  }

  @Test
  void batchesAreVersionCheckedIdempotentAndAcked() {
    FakeLink l = open("rs", false);
    handshake(l, 10);
    V1Pod v5 = pod("p", "node-5");
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.ADDED, 5, v5))
            .build());
    assertThat(l.last().getAck().getSeq()).isEqualTo(3);
    // Duplicate: acked, no change.
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(4)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.ADDED, 5, pod("p", "node-dup")))
            .build());
    assertThat(l.last().getAck().getSeq()).isEqualTo(4);
    // Older: acked, ignored.
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(5)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.MODIFIED, 3, pod("p", "node-3")))
            .build());
    assertThat(l.last().getAck().getSeq()).isEqualTo(5);
    V1Pod held = (V1Pod) engine.store().get(POD, "default/p").orElseThrow().object();
    assertThat(held.getSpec().getNodeName()).isEqualTo("node-5");
    // A delete older than what we hold is ignored; a newer one removes.
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(6)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.DELETED, 4, pod("p", null)))
            .build());
    assertThat(engine.store().get(POD, "default/p")).isPresent();
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(7)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.DELETED, 6, pod("p", null)))
            .build());
    assertThat(engine.store().get(POD, "default/p")).isEmpty();
  }

  @Test
  void aMissingTemplateIsAnsweredNotFoundWithTheRefs() {
    FakeLink l = open("rs", false);
    handshake(l, 10);
    ObjectEncoder other = ObjectCodec.create().newEncoder(16);
    batch(other, ChangeType.ADDED, 1, pod("warmup", null)); // marks the template as sent
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(10)
            .setObjectBatch(batch(other, ChangeType.ADDED, 2, pod("x", null), pod("y", null)))
            .build());
    Envelope e = l.last();
    assertThat(e.getError().getCode()).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(e.getError().getSeq()).isEqualTo(3);
    assertThat(e.getError().getRefsList()).extracting(ObjectRef::getName).containsExactly("x", "y");
    assertThat(engine.store().size()).isZero();
  }

  @Test
  void moreEphemeralObjectsThanTheLimitAreRejectedOverloaded() {
    build(EngineLimits.defaults().withMaxEphemeralObjects(3));
    FakeLink l = open("rs", false);
    handshake(l, 10, pod("a", null));
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(10)
            .setObjectBatch(
                batch(encoder, ChangeType.ADDED, 2, pod("b", null), pod("c", null), pod("d", null)))
            .build());
    assertThat(l.last().getError().getCode()).isEqualTo(ErrorCode.OVERLOADED);
    assertThat(engine.store().size()).isEqualTo(1);
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(4)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.ADDED, 2, pod("b", null), pod("c", null)))
            .build());
    assertThat(l.last().getAck().getSeq()).isEqualTo(4);
    assertThat(engine.store().size()).isEqualTo(3);
  }

  @Test
  void malformedInputGetsATypedErrorAndTheSessionKeepsServing() {
    FakeLink l = open("rs", false);
    handshake(l, 10);
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(10)
            .setObjectBatch(
                ObjectBatch.newBuilder()
                    .setKind("no-such-kind")
                    .addChanges(
                        io.kubedirect.protocol.v1.ObjectChange.newBuilder()
                            .setType(ChangeType.ADDED)
                            .setName("x")
                            .setFullJson(com.google.protobuf.ByteString.copyFromUtf8("{not json"))))
            .build());
    assertThat(l.last().getError().getCode()).isEqualTo(ErrorCode.MALFORMED);
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(4)
            .setEpoch(10)
            .setAck(io.kubedirect.protocol.v1.Ack.newBuilder().setSeq(1))
            .build());
    assertThat(l.last().getError().getCode()).isEqualTo(ErrorCode.MALFORMED);
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(5)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.ADDED, 1, pod("ok", null)))
            .build());
    assertThat(l.last().getAck().getSeq()).isEqualTo(5);
    assertThat(engine.store().size()).isEqualTo(1);
  }

  @Test
  void aPersistedCopyReplacesTheEphemeralEntry() {
    FakeLink l = open("rs", false);
    handshake(l, 10, pod("a", null));
    engine.start();
    V1Pod stored = pod("a", "n");
    stored.getMetadata().setResourceVersion("77");
    stored.getMetadata().setLabels(new HashMap<>(stored.getMetadata().getLabels()));
    engine.onPersisted(POD, stored);
    assertThat(engine.store().size()).isZero();
    // A late ephemeral copy of an object the API Server already shows is ignored.
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.MODIFIED, 9, pod("a", null)))
            .build());
    assertThat(l.last().getAck().getSeq()).isEqualTo(3);
    assertThat(engine.store().size()).isZero();
  }

  /**
   * Seed 5409 (every simulation class; a link that reorders, against the Link contract): a relay's
   * delete overtook the create it deleted. The tail held nothing to delete, then took the late
   * create for a new pod and persisted it after the producer's delete had completed. A copy older
   * than a delete received on the same link (in the same epoch) is not held; a newer one is.
   */
  @Test
  void aCopyOlderThanADeleteReceivedOnTheSameLinkIsNotHeld() {
    FakeLink l = open("rs", false);
    handshake(l, 10);
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(3)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.DELETED, 5, pod("a", "node-1")))
            .build());
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(4)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.ADDED, 3, pod("a", "node-1")))
            .build());
    sched.runUntilIdle();
    assertThat(l.last().hasAck()).isTrue();
    assertThat(engine.store().get(POD, "default/a")).as("the late copy is not held").isEmpty();

    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(5)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.ADDED, 6, pod("a", "node-1")))
            .build());
    assertThat(engine.store().get(POD, "default/a")).as("a newer copy is").isPresent();
  }

  /**
   * Seed 7825 (every simulation class): a duplicated batch brought back a pod the tail had just
   * dropped because the API Server rejected it; the tail held it and tried again while the head,
   * told of the rejection, had created a replacement (a surplus create). A repeat of a copy dropped
   * as refused is not held again; a newer version is.
   */
  @Test
  void aRepeatOfACopyTheStoreRefusedIsNotHeldAgain() {
    persisted.rejectCreates(o -> o.getMetadata().getName().equals("a"));
    FakeLink l = open("rs", false);
    handshake(l, 10);
    ObjectBatch b = batch(encoder, ChangeType.ADDED, 3, pod("a", "node-1"));
    handler.onMessage(l, Envelope.newBuilder().setSeq(3).setEpoch(10).setObjectBatch(b).build());
    engine.write(
        POD,
        io.kubedirect.runtime.internal.model.WriteOp.UPDATE_STATUS,
        TestPods.withPhase(pod("a", "node-1"), "Running"));
    sched.runUntilIdle();
    assertThat(engine.store().get(POD, "default/a")).as("dropped: rejected").isEmpty();

    handler.onMessage(
        l, Envelope.newBuilder().setSeq(4).setEpoch(10).setObjectBatch(b).build()); // a repeat
    assertThat(engine.store().get(POD, "default/a")).as("the repeat is not held").isEmpty();
    handler.onMessage(
        l,
        Envelope.newBuilder()
            .setSeq(5)
            .setEpoch(10)
            .setObjectBatch(batch(encoder, ChangeType.MODIFIED, 4, pod("a", "node-1")))
            .build());
    assertThat(engine.store().get(POD, "default/a")).as("a newer version is").isPresent();
  }
}
