package io.kubedirect.runtime.internal.engine;

import io.kubedirect.protocol.v1.Ack;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.Error;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.HandshakeConfirm;
import io.kubedirect.protocol.v1.HandshakeReconcile;
import io.kubedirect.protocol.v1.HandshakeSnapshot;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.runtime.internal.codec.InboundChange;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.MalformedObjectException;
import io.kubedirect.runtime.internal.codec.MissingTemplateException;
import io.kubedirect.runtime.internal.codec.ObjectEncoder;
import io.kubedirect.runtime.internal.codec.OutboundChange;
import io.kubedirect.runtime.internal.model.ObjectId;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.PeerIdentity;
import io.kubernetes.client.common.KubernetesObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine's {@link LinkHandler} for accepted links: authorization, the per-source epoch fence,
 * both handshake rounds and object batches. Bad input is answered with a typed Error; the stage
 * keeps serving.
 */
final class ReceiverHandler implements LinkHandler {

  private static final Logger log = LoggerFactory.getLogger(ReceiverHandler.class);

  /**
   * The most bytes of object content a snapshot carries (far below the transports' frame limits, 4
   * MiB by default for Netty); beyond it, further kinds are sent as refs only.
   */
  static final int SNAPSHOT_CONTENT_BUDGET = 1 << 20;

  /** {@code Error.seq} of an unsolicited notice (2^64-1 on the wire), protocol minor 2. */
  static final long NOTICE_SEQ = -1L;

  private final DefaultStageEngine eng;

  ReceiverHandler(DefaultStageEngine eng) {
    this.eng = eng;
  }

  @Override
  public void onOpen(Link link) {
    PeerIdentity peer = link.peer();
    boolean allowed =
        eng.stage.hasUpstream(peer.stage())
            && (!eng.limits.requireVerifiedPeers() || peer.verified());
    if (!allowed) {
      log.warn(
          "{}: rejecting link {} from '{}' (verified={}): not a declared upstream",
          eng.stage.name(),
          link.id(),
          peer.stage(),
          peer.verified());
      eng.metrics.handshake("open", "unauthorized");
      link.close(
          ErrorCode.UNAUTHORIZED,
          "stage '" + peer.stage() + "' is not an upstream of '" + eng.stage.name() + "'");
      return;
    }
    synchronized (eng) {
      if (eng.closed) {
        link.close();
        return;
      }
      eng.downstreamSessions.put(link.id(), new DownstreamSession(link, peer.stage()));
    }
  }

  @Override
  public void onClosed(Link link, LinkException cause) {
    synchronized (eng) {
      DownstreamSession ds = eng.downstreamSessions.remove(link.id());
      if (ds != null && ds.subscription && !eng.closed) {
        eng.scheduler.schedule(() -> withdrawIfStillGone(ds), eng.limits.fallbackAfter());
      }
    }
  }

  /**
   * A publisher's link closed and no newer link of that publisher (source) has been accepted within
   * the fallback deadline: this subscriber stops showing what it sent (§14.2). The publisher's next
   * handshake sends its current set again.
   */
  private void withdrawIfStillGone(DownstreamSession ds) {
    synchronized (eng) {
      if (eng.closed) {
        return;
      }
      for (DownstreamSession other : eng.downstreamSessions.values()) {
        if (other.source != null && other.source.equals(ds.source)) {
          return;
        }
      }
      List<EphemeralEntry> held = eng.store.heldFrom(ds.source);
      if (held.isEmpty()) {
        return;
      }
      log.info(
          "{}: publisher {} has been gone for {}: no longer showing the {} object(s) it sent",
          eng.stage.name(),
          ds.source,
          eng.limits.fallbackAfter(),
          held.size());
      for (EphemeralEntry e : held) {
        eng.store.removeFrom(ds.source, e.kind(), e.key(), Long.MAX_VALUE, RemovalReason.WITHDRAWN);
      }
    }
  }

  /**
   * A batch decoded before the engine lock was taken, by {@code ds}'s decoder; {@code failure} if
   * it failed.
   */
  private record Decoded(
      DownstreamSession ds, long epoch, List<InboundChange> changes, Exception failure) {}

  @Override
  public void onMessage(Link link, Envelope env) {
    Decoded decoded = null;
    if (env.getBodyCase() == Envelope.BodyCase.OBJECT_BATCH) {
      DownstreamSession ds;
      synchronized (eng) {
        ds = eng.downstreamSessions.get(link.id());
      }
      // Decoding runs outside the engine lock (design.md §10). The decoder belongs to this link,
      // whose callbacks
      // arrive one at a time, and only this link's handshake replaces it; a batch of another epoch
      // is left to the
      // check under the lock, undecoded.
      if (ds != null && ds.decoder != null && env.getEpoch() == ds.epoch) {
        try {
          decoded = new Decoded(ds, ds.epoch, ds.decoder.decode(env.getObjectBatch()), null);
        } catch (MissingTemplateException | RuntimeException ex) {
          decoded = new Decoded(ds, ds.epoch, null, ex);
        }
      }
    }
    synchronized (eng) {
      DownstreamSession ds = eng.downstreamSessions.get(link.id());
      if (ds == null || eng.closed) {
        return;
      }
      eng.metrics.message(ds.source, "in", DefaultStageEngine.bodyType(env));
      try {
        switch (env.getBodyCase()) {
          case HANDSHAKE_REQUEST -> onRequest(ds, env);
          case HANDSHAKE_RECONCILE -> onReconcile(ds, env);
          case OBJECT_BATCH -> onBatch(ds, env, decoded);
          case ERROR ->
              log.warn("{}: upstream {} reports {}", eng.stage.name(), ds.source, env.getError());
          default ->
              error(
                  ds,
                  env.getSeq(),
                  ErrorCode.MALFORMED,
                  "unexpected " + env.getBodyCase(),
                  List.of());
        }
      } catch (RuntimeException ex) {
        log.error(
            "{}: failed to handle {} from {}", eng.stage.name(), env.getBodyCase(), ds.source, ex);
        error(ds, env.getSeq(), ErrorCode.INTERNAL, ex.toString(), List.of());
      }
    }
  }

  private void onRequest(DownstreamSession ds, Envelope env) {
    String source = env.getHandshakeRequest().getSource();
    boolean subscription =
        env.getHandshakeRequest().getSubscriber() && ds.link.protocolMinor() >= 3;
    boolean named =
        source.equals(ds.peer)
            || (subscription
                && source.startsWith(ds.peer + "/")
                && source.length() > ds.peer.length() + 1);
    if (!named) {
      eng.metrics.handshake("round1", "unauthorized");
      error(
          ds,
          env.getSeq(),
          ErrorCode.UNAUTHORIZED,
          "source '" + source + "' differs from peer identity",
          List.of());
      ds.link.close(ErrorCode.UNAUTHORIZED, "source mismatch");
      return;
    }
    long current = eng.sourceEpochs.getOrDefault(source, 0L);
    long ceiling = eng.epochs.ceiling(eng.limits.maxEpochSkew());
    if (env.getEpoch() > ceiling) {
      // A far-future epoch would fence the real upstream until it catches up: refuse to install it.
      eng.metrics.epochRejected();
      eng.metrics.handshake("round1", "epoch_too_far");
      log.warn(
          "{}: handshake from '{}' with epoch {} is more than {} ahead of this stage's clock; rejected",
          eng.stage.name(),
          source,
          env.getEpoch(),
          eng.limits.maxEpochSkew());
      epochMismatch(
          ds,
          env.getSeq(),
          current,
          "epoch "
              + env.getEpoch()
              + " is more than "
              + eng.limits.maxEpochSkew().toSeconds()
              + " s ahead of the receiver's clock");
      return;
    }
    if (env.getEpoch() <= current) {
      eng.metrics.epochRejected();
      eng.metrics.handshake("round1", "epoch_mismatch");
      epochMismatch(
          ds, env.getSeq(), current, "epoch " + env.getEpoch() + " is not newer than " + current);
      return;
    }
    // Not observed into this stage's own clock: a peer could otherwise ratchet the bound forward
    // handshake by
    // handshake (each one up to maxEpochSkew past the last).
    DownstreamSession previous = eng.epochOwners.get(source);
    eng.sourceEpochs.put(source, env.getEpoch());
    eng.metrics.sourceEpoch(source, env.getEpoch());
    eng.epochOwners.put(source, ds);
    if (previous != null
        && previous != ds
        && previous.link.isOpen()
        && previous.link.protocolMinor() >= 2) {
      // Tell the fenced session at once (it may be another live instance of the stage): it
      // re-handshakes,
      // with backoff, instead of finding out only when its next batch is refused.
      send(
          previous,
          Envelope.newBuilder()
              .setEpoch(previous.epoch)
              .setError(
                  Error.newBuilder()
                      .setSeq(NOTICE_SEQ)
                      .setCode(ErrorCode.EPOCH_MISMATCH)
                      .setCurrentEpoch(env.getEpoch())
                      .setMessage("fenced: a newer epoch of '" + source + "' took over"))
              .build());
    }
    ds.source = source;
    ds.subscription = subscription;
    if (subscription) {
      eng.subscriptionSources.add(source);
    }
    ds.newEpoch(env.getEpoch());
    ds.decoder = eng.codec.newDecoder(eng.limits.maxTemplates());
    flushNotices(source);
    HandshakeSnapshot.Builder snap = HandshakeSnapshot.newBuilder();
    Map<String, List<OutboundChange>> content = new TreeMap<>();
    for (EphemeralEntry e : eng.store.heldFrom(source)) {
      snap.addHeld(Kinds.ref(e.object(), e.version()).toBuilder().setKind(e.kind()));
      content
          .computeIfAbsent(e.kind(), k -> new ArrayList<>())
          .add(new OutboundChange(ChangeType.ADDED, e.object(), e.version()));
    }
    if (ds.link.protocolMinor() >= 1) {
      addContent(snap, content); // a minor-0 upstream would not read it
    }
    eng.metrics.handshake("round1", "ok");
    send(ds, Envelope.newBuilder().setEpoch(ds.epoch).setHandshakeSnapshot(snap).build());
  }

  /**
   * Adds the held objects' content (protocol minor 1), one batch per kind, encoded by a fresh
   * encoder so each batch carries its own templates. A kind that cannot be encoded is left out: the
   * upstream then sees those objects as refs without content, as from a minor-0 receiver.
   */
  private void addContent(
      HandshakeSnapshot.Builder snap, Map<String, List<OutboundChange>> content) {
    ObjectEncoder encoder = eng.codec.newEncoder(eng.limits.maxTemplates());
    int bytes = 0;
    for (Map.Entry<String, List<OutboundChange>> k : content.entrySet()) {
      try {
        ObjectBatch batch = encoder.encode(k.getKey(), k.getValue());
        bytes += batch.getSerializedSize();
        if (bytes > SNAPSHOT_CONTENT_BUDGET) {
          log.warn(
              "{}: snapshot content over {} bytes; {} held objects of {} sent as refs only",
              eng.stage.name(),
              SNAPSHOT_CONTENT_BUDGET,
              k.getValue().size(),
              k.getKey());
          continue;
        }
        snap.addObjects(batch);
      } catch (RuntimeException ex) {
        log.warn(
            "{}: cannot encode {} held objects of {} for a snapshot: {}",
            eng.stage.name(),
            k.getValue().size(),
            k.getKey(),
            ex.toString());
      }
    }
  }

  private void epochMismatch(DownstreamSession ds, long seq, long current, String message) {
    send(
        ds,
        Envelope.newBuilder()
            .setEpoch(ds.epoch)
            .setError(
                Error.newBuilder()
                    .setSeq(seq)
                    .setCode(ErrorCode.EPOCH_MISMATCH)
                    .setMessage(message)
                    .setCurrentEpoch(ds.link.protocolMinor() >= 2 ? current : 0))
            .build());
  }

  /**
   * Sends the notices pending for {@code source} on its current session, if it has one (else they
   * wait for its next handshake, and go before the snapshot so that it does not resend those
   * objects), one Error per code and reason. Guarded by the engine lock.
   */
  void flushNotices(String source) {
    Map<String, DefaultStageEngine.Notice> pending = eng.pendingNotices.get(source);
    DownstreamSession ds = eng.epochOwners.get(source);
    if (pending == null
        || pending.isEmpty()
        || ds == null
        || !ds.link.isOpen()
        || ds.decoder == null) {
      return;
    }
    if (ds.link.protocolMinor() < 2) {
      // A minor-1 upstream does not know notices: it keeps its minor-1 behaviour (docs/protocol.md,
      // section 3).
      log.debug(
          "{}: {} notice(s) for '{}' dropped: its link speaks protocol minor {}",
          eng.stage.name(),
          pending.size(),
          source,
          ds.link.protocolMinor());
      eng.pendingNotices.remove(source);
      return;
    }
    Map<List<Object>, List<ObjectRef>> groups = new LinkedHashMap<>();
    for (DefaultStageEngine.Notice n : pending.values()) {
      groups.computeIfAbsent(List.of(n.code(), n.reason()), k -> new ArrayList<>()).add(n.ref());
    }
    for (Map.Entry<List<Object>, List<ObjectRef>> g : groups.entrySet()) {
      send(
          ds,
          Envelope.newBuilder()
              .setEpoch(ds.epoch)
              .setError(
                  Error.newBuilder()
                      .setSeq(NOTICE_SEQ)
                      .setCode((ErrorCode) g.getKey().get(0))
                      .setMessage((String) g.getKey().get(1))
                      .addAllRefs(g.getValue()))
              .build());
    }
    eng.pendingNotices.remove(source);
    eng.sentNotices(source, new ArrayList<>(pending.values()));
  }

  private boolean current(DownstreamSession ds, Envelope env) {
    Long cur = eng.sourceEpochs.get(ds.source);
    boolean ok =
        cur != null
            && env.getEpoch() == cur
            && eng.epochOwners.get(ds.source) == ds
            && ds.decoder != null;
    if (!ok) {
      eng.metrics.epochRejected();
      error(
          ds,
          env.getSeq(),
          ErrorCode.EPOCH_MISMATCH,
          "epoch " + env.getEpoch() + " is not the current epoch of " + ds.source,
          List.of());
    }
    return ok;
  }

  private void onReconcile(DownstreamSession ds, Envelope env) {
    if (!current(ds, env)) {
      eng.metrics.handshake("round2", "epoch_mismatch");
      return;
    }
    HandshakeReconcile rec = env.getHandshakeReconcile();
    if (rec.hasResend()
        && rec.getResend().getChangesCount() > 0
        && !apply(ds, env.getSeq(), rec.getResend(), null, new ArrayList<>())) {
      eng.metrics.handshake("round2", "rejected");
      return;
    }
    // A handshake retraction says "not from me (any more)", e.g. a restarted relay that has not
    // received the
    // input again yet: the held copy goes, but it is not a delete, so nothing is cascaded and a
    // copy this stage
    // already persisted stays (the producer's own reconcile decides about it). A tail stops writing
    // back a copy
    // that is not persisted yet (the upstream resends it if it still wants it).
    for (ObjectRef r : rec.getRetractList()) {
      if (eng.store
              .removeFrom(
                  ds.source, r.getKind(), Kinds.key(r), Long.MAX_VALUE, RemovalReason.RETRACTED)
              .isPresent()
          && !ds.subscription) {
        eng.retractedUpstream(r.getKind(), Kinds.key(r));
      }
    }
    eng.metrics.handshake("round2", "ok");
    int held = eng.store.heldFrom(ds.source).size();
    send(
        ds,
        Envelope.newBuilder()
            .setEpoch(ds.epoch)
            .setHandshakeConfirm(HandshakeConfirm.newBuilder().setHeld(held))
            .build());
  }

  private void onBatch(DownstreamSession ds, Envelope env, Decoded decoded) {
    if (!current(ds, env)) {
      return;
    }
    List<CompletableFuture<KubernetesObject>> cascades = new ArrayList<>();
    Decoded pre =
        decoded != null && decoded.ds() == ds && decoded.epoch() == ds.epoch ? decoded : null;
    if (!apply(ds, env.getSeq(), env.getObjectBatch(), pre, cascades)) {
      return;
    }
    Envelope ack =
        Envelope.newBuilder()
            .setEpoch(ds.epoch)
            .setAck(Ack.newBuilder().setSeq(env.getSeq()))
            .build();
    if (cascades.isEmpty()) {
      send(ds, ack);
      return;
    }
    // A relay acknowledges deletes once its downstream has them too, so the producer's delete
    // completes only
    // when no stage will persist the object any more. (The ack timeout bounds the wait; on a
    // timeout the
    // producer's next handshake settles the delete, and this stage's own tombstones finish the
    // cascade.)
    long epoch = ds.epoch;
    CompletableFuture.allOf(cascades.toArray(CompletableFuture[]::new))
        .whenComplete(
            (v, ex) -> {
              synchronized (eng) {
                if (!eng.closed && ds.epoch == epoch && eng.epochOwners.get(ds.source) == ds) {
                  send(ds, ack);
                }
              }
            });
  }

  /**
   * Decodes (unless {@code pre} holds the result already) and applies a batch; answers errors
   * itself. Returns whether it was applied; adds to {@code cascades} the deletes this stage passes
   * on to its own downstream.
   */
  private boolean apply(
      DownstreamSession ds,
      long seq,
      ObjectBatch batch,
      Decoded pre,
      List<CompletableFuture<KubernetesObject>> cascades) {
    List<InboundChange> changes;
    try {
      if (pre == null) {
        changes = ds.decoder.decode(batch);
      } else if (pre.failure() instanceof MissingTemplateException missing) {
        throw missing;
      } else if (pre.failure() != null) {
        throw (RuntimeException) pre.failure();
      } else {
        changes = pre.changes();
      }
    } catch (MissingTemplateException ex) {
      error(ds, seq, ErrorCode.NOT_FOUND, ex.getMessage(), ex.refs());
      return false;
    } catch (MalformedObjectException | IllegalArgumentException ex) {
      error(ds, seq, ErrorCode.MALFORMED, String.valueOf(ex.getMessage()), List.of());
      return false;
    }
    Set<String> adds = new HashSet<>();
    for (InboundChange c : changes) {
      if (c.type() != ChangeType.DELETED
          && eng.store.get(c.ref().getKind(), Kinds.key(c.ref())).isEmpty()) {
        adds.add(ObjectId.idOf(c.ref().getKind(), Kinds.key(c.ref())));
      }
    }
    if (eng.store.size() + adds.size() > eng.limits.maxEphemeralObjects()) {
      error(
          ds,
          seq,
          ErrorCode.OVERLOADED,
          "holding "
              + eng.store.size()
              + " ephemeral objects, limit "
              + eng.limits.maxEphemeralObjects(),
          List.of());
      return false;
    }
    eng.metrics.batch(ds.source, "in", changes.size());
    Map<String, InboundChange> exposures = new LinkedHashMap<>();
    for (InboundChange c : changes) {
      ObjectRef ref = c.ref();
      String kind = ref.getKind();
      String key = Kinds.key(ref);
      String id = ObjectId.idOf(kind, key);
      if (c.type() == ChangeType.DELETED) {
        log.debug(
            "{}: {} deletes {} {} (version {})",
            eng.stage.name(),
            ds.source,
            kind,
            key,
            ref.getVersion());
        ds.deleted(id, ref.getVersion());
        eng.store.removeFrom(ds.source, kind, key, ref.getVersion(), RemovalReason.DELETED);
        exposures.remove(id);
        if (!ds.subscription && eng.store.get(kind, key).isEmpty()) {
          CompletableFuture<KubernetesObject> cascade = eng.deletedUpstream(kind, key);
          if (cascade != null) {
            cascades.add(cascade);
          }
        }
      } else if (ds.deletedSince(id, ref.getVersion())) {
        // Older than a delete received on this link (a peer or network that reorders or
        // duplicates): not held.
        log.debug(
            "{}: {} {} v{} from {} is older than a delete already received; ignored",
            eng.stage.name(),
            kind,
            key,
            ref.getVersion(),
            ds.source);
      } else if (eng.droppedCopy(ds.source, kind, key, ref.getVersion())) {
        // A repeat of a copy dropped here because the store refused it (the notice is on its way):
        // not held again.
        log.debug(
            "{}: {} {} v{} from {} was refused by the store already; ignored",
            eng.stage.name(),
            kind,
            key,
            ref.getVersion(),
            ds.source);
      } else if (eng.deletedInStore(kind, key, c.object())) {
        // A late copy of an object the API Server deleted: never held, and its source drops it (no
        // leak).
        if (!ds.subscription) {
          eng.notifyUpstream(
              ds.source,
              kind,
              key,
              ref.getVersion(),
              ErrorCode.NOT_FOUND,
              "deleted in the API Server after it was sent: not persisted again");
        }
      } else if (ds.subscription && eng.observedSuperseded(kind, key, c.object())) {
        // This stage's own informers already show the stored copy the publisher refers to (or one
        // carrying all of
        // it): what the publisher held before is superseded too.
        eng.store.removeFrom(ds.source, kind, key, ref.getVersion(), RemovalReason.PERSISTED);
      } else if (!ds.subscription && eng.superseded(kind, key, c.object())) {
        log.debug(
            "{}: ignoring {} {} from {} (base {}): the API Server shows a newer copy",
            eng.stage.name(),
            kind,
            key,
            ds.source,
            ObjectSupport.persistedRv(c.object()));
        eng.receivedStoredAlready(ds.source, kind, key, ref.getVersion());
      } else {
        eng.store.upsert(eng.entryFor(ds.source, kind, key, ref.getVersion(), c.object()));
        if (ds.subscription) {
          continue; // observed only: never written back, exposed or cascaded here
        }
        eng.receivedAgain(kind, key);
        if (adds.contains(id)) {
          exposures.put(id, c);
        }
        if (ds.link.protocolMinor() >= 3) {
          eng.receivedUpdate(kind, key, c.object());
        }
      }
    }
    for (InboundChange c : exposures.values()) {
      eng.exposeOnReceipt(c.ref().getKind(), c.object());
    }
    return true;
  }

  private void error(
      DownstreamSession ds, long seq, ErrorCode code, String message, List<ObjectRef> refs) {
    send(
        ds,
        Envelope.newBuilder()
            .setEpoch(ds.epoch)
            .setError(
                Error.newBuilder().setSeq(seq).setCode(code).setMessage(message).addAllRefs(refs))
            .build());
  }

  private void send(DownstreamSession ds, Envelope env) {
    try {
      ds.link.send(env);
      eng.metrics.message(ds.source, "out", DefaultStageEngine.bodyType(env));
    } catch (LinkException ex) {
      log.debug("{}: reply to {} failed: {}", eng.stage.name(), ds.source, ex.toString());
    }
  }
}
