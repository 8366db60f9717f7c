package io.kubedirect.runtime.internal.engine;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.HandshakeReconcile;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.protocol.v1.HandshakeSnapshot;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.runtime.internal.codec.InboundChange;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.MalformedObjectException;
import io.kubedirect.runtime.internal.codec.MissingTemplateException;
import io.kubedirect.runtime.internal.codec.ObjectDecoder;
import io.kubedirect.runtime.internal.codec.ObjectEncoder;
import io.kubedirect.runtime.internal.codec.OutboundChange;
import io.kubedirect.runtime.internal.model.ObjectId;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TaskScheduler;
import io.kubernetes.client.common.KubernetesObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sending side of the links to one downstream address. Every new connection starts a fresh
 * epoch and the two-round handshake; then coalesced batches stream within the link's credit. All
 * state is guarded by the engine lock.
 */
final class UpstreamSession implements LinkHandler {

  private static final Logger log = LoggerFactory.getLogger(UpstreamSession.class);

  /**
   * FENCED: a newer epoch of this stage took over at the receiver, and this session had nothing to
   * send.
   */
  enum State {
    DISCONNECTED,
    HANDSHAKE1,
    HANDSHAKE2,
    READY,
    FENCED,
    CLOSED
  }

  /** The {@code state} tags of the link state gauges, by {@link State} ordinal. */
  private static final List<String> STATE_TAGS =
      java.util.Arrays.stream(State.values())
          .map(st -> st.name().toLowerCase(java.util.Locale.ROOT))
          .toList();

  private record Sent(String kind, String key, long version, boolean retract) {}

  private record Retract(String kind, String key, long version) {}

  /** An ObjectBatch awaiting its Ack, with the time it was sent. */
  private record InFlight(List<Sent> sents, long sentNanos) {}

  private final DefaultStageEngine eng;
  final PeerAddress address;

  /** {@code address} as the metrics' link tag. */
  private final String linkTag;

  final String destination;
  private ClientLink client;
  private Link link;

  /**
   * Volatile (written under the engine lock) for the metrics gauges, which read it without the
   * lock.
   */
  volatile State state = State.DISCONNECTED;

  /** Volatile for the metrics gauges, as {@link #state}. */
  volatile long epoch;

  /** Encodes and sends this session's messages outside the engine lock, in the engine's order. */
  private final Outbox<List<Sent>> outbox;

  private long seq;
  private long requestSeq;
  private final LinkedHashMap<String, String> pending = new LinkedHashMap<>();
  private final LinkedHashMap<String, Retract> retracts = new LinkedHashMap<>();
  private final Map<Long, InFlight> inflight = new HashMap<>();
  private List<Sent> reconcileSent = List.of();

  /** Volatile for the metrics gauges, as {@link #state}. */
  volatile boolean fallback;

  /**
   * Whether a snapshot was processed on some connection (the stage knows what this downstream
   * holds).
   */
  boolean snapshotSeen;

  private TaskScheduler.Cancellable fallbackTimer;
  private TaskScheduler.Cancellable retryTimer;

  /**
   * Backoff of handshake retries and OVERLOADED resends; reset by a confirmed handshake or an ack.
   */
  private BackoffPolicy retryBackoff;

  /** When the handshake message now awaiting its answer was sent; -1 when none is awaited. */
  private long handshakeSentNanos = -1;

  private TaskScheduler.Cancellable ackTimer;

  /** Whether the current handshake already retried once after moving past the receiver's epoch. */
  private boolean epochCatchUp;

  /** Backoff of re-handshakes after being fenced; reset after 4 x retryMax without fencing. */
  private BackoffPolicy fenceBackoff;

  private long lastFencedNanos = Long.MIN_VALUE / 2;

  UpstreamSession(DefaultStageEngine eng, PeerAddress address, String destination) {
    this.eng = eng;
    this.address = address;
    this.linkTag = address.toString();
    this.destination = destination;
    this.outbox =
        new Outbox<>(
            eng,
            linkTag,
            () -> epoch,
            new Outbox.Failures<>() {
              @Override
              public void notEncoded(
                  Link l, long msgSeq, List<Sent> sents, RuntimeException cause) {
                UpstreamSession.this.notEncoded(l, msgSeq, sents, cause);
              }

              @Override
              public void notSent(Link l, long msgSeq, List<Sent> sents, LinkException cause) {
                UpstreamSession.this.notSent(l, msgSeq, sents, cause);
              }
            });
    eng.metrics.linkGauges(
        linkTag,
        destination,
        STATE_TAGS,
        () -> STATE_TAGS.get(state.ordinal()),
        () -> epoch,
        () -> fallback);
  }

  /** Arms the fallback deadline and dials; called without the engine lock. */
  void connect() {
    synchronized (eng) {
      if (state == State.CLOSED || eng.closed) {
        return;
      }
      armFallbackTimer();
    }
    ClientLink c;
    try {
      c = eng.transport.connect(address, destination, this);
    } catch (RuntimeException e) {
      log.error("{}: cannot dial {} at {}", eng.stage.name(), destination, address, e);
      return;
    }
    boolean closeNow;
    synchronized (eng) {
      closeNow = state == State.CLOSED || eng.closed;
      if (!closeNow) {
        client = c;
      }
    }
    if (closeNow) {
      c.close();
    }
  }

  void close() {
    ClientLink c;
    synchronized (eng) {
      state = State.CLOSED;
      cancelTimers();
      c = client;
      client = null;
      link = null;
    }
    if (c != null) {
      c.close();
    }
  }

  private void cancelTimers() {
    if (fallbackTimer != null) {
      fallbackTimer.cancel();
      fallbackTimer = null;
    }
    if (retryTimer != null) {
      retryTimer.cancel();
      retryTimer = null;
    }
    cancelAckTimer();
  }

  private void cancelAckTimer() {
    if (ackTimer != null) {
      ackTimer.cancel();
      ackTimer = null;
    }
  }

  /** The send time of the oldest message still awaiting its answer, or {@code Long.MAX_VALUE}. */
  private long oldestUnanswered() {
    long oldest = Long.MAX_VALUE;
    if ((state == State.HANDSHAKE1 || state == State.HANDSHAKE2) && handshakeSentNanos >= 0) {
      oldest = handshakeSentNanos;
    }
    for (InFlight b : inflight.values()) {
      oldest = Math.min(oldest, b.sentNanos());
    }
    return oldest;
  }

  /**
   * Arms the ack watchdog for the oldest unanswered message, unless it is armed already. A message
   * is lost when the link drops it without closing (the {@code Link} contract is "at most once"),
   * or when its answer is: either way nothing would ever resend it. Guarded by the engine lock.
   */
  private void armAckTimer() {
    if (ackTimer != null || link == null || state == State.CLOSED) {
      return;
    }
    long oldest = oldestUnanswered();
    if (oldest == Long.MAX_VALUE) {
      return;
    }
    long due = Math.max(0, oldest + eng.limits.ackTimeout().toNanos() - eng.scheduler.nanoTime());
    Link armedFor = link;
    ackTimer =
        eng.scheduler.schedule(
            () -> {
              synchronized (eng) {
                ackTimer = null;
                if (state == State.CLOSED || eng.closed || link == null) {
                  return;
                }
                if (link != armedFor) {
                  armAckTimer();
                  return;
                }
                long first = oldestUnanswered();
                if (first == Long.MAX_VALUE) {
                  return;
                }
                if (eng.scheduler.nanoTime() - first >= eng.limits.ackTimeout().toNanos()) {
                  ackTimedOut();
                } else {
                  armAckTimer();
                }
              }
            },
            Duration.ofNanos(due));
  }

  /**
   * Nothing answered a message within the ack timeout: the connection is treated as broken. It is
   * closed with a typed cause; the transport reconnects and the new connection's handshake
   * recomputes, from the dirty set, what the downstream misses (the same repair as for any link
   * loss). Guarded by the engine lock.
   */
  private void ackTimedOut() {
    Link l = link;
    String what =
        state == State.READY
            ? inflight.size() + " unacknowledged batch(es)"
            : "the " + (state == State.HANDSHAKE1 ? "handshake request" : "handshake reconcile");
    String message =
        "no answer to " + what + " within " + eng.limits.ackTimeout().toMillis() + " ms";
    log.warn(
        "{}: link to {} ({}): {}; closing it to reconnect",
        eng.stage.name(),
        destination,
        address,
        message);
    eng.metrics.handshake("ack", "timeout");
    resetConnectionState();
    l.close(ErrorCode.INTERNAL, "ack timeout: " + message);
  }

  /** Forgets the current connection (it closed or is being closed). Guarded by the engine lock. */
  private void resetConnectionState() {
    link = null;
    state = State.DISCONNECTED;
    inflight.clear();
    pending.clear();
    retracts.clear();
    reconcileSent = List.of();
    handshakeSentNanos = -1;
    cancelAckTimer();
    armFallbackTimer();
  }

  private void armFallbackTimer() {
    if (fallbackTimer != null || fallback || state == State.CLOSED) {
      return;
    }
    fallbackTimer =
        eng.scheduler.schedule(
            () -> {
              synchronized (eng) {
                fallbackTimer = null;
                if (state == State.HANDSHAKE2 && !eng.closed) {
                  deferFallbackForConfirm();
                } else if (state != State.READY && state != State.CLOSED && !eng.closed) {
                  enterFallback();
                }
              }
            },
            eng.limits.fallbackAfter());
  }

  /**
   * The deadline passed while the link is coming back: the downstream answered, and the
   * reconciliation this stage sent (objects it resent among them) is on its way. Writing those
   * objects through the API Server now would race their copies on the link (a delete issued next
   * would find the API copy, and the link copy would be persisted after it). Waits one ack timeout
   * for the confirm instead; the link then is ready, or down after all. Guarded by the engine lock.
   */
  private void deferFallbackForConfirm() {
    log.info(
        "{}: link to {} ({}) is down past {} but its handshake is completing; waiting {} for the confirm",
        eng.stage.name(),
        destination,
        address,
        eng.limits.fallbackAfter(),
        eng.limits.ackTimeout());
    fallbackTimer =
        eng.scheduler.schedule(
            () -> {
              synchronized (eng) {
                fallbackTimer = null;
                if (state != State.READY && state != State.CLOSED && !eng.closed) {
                  enterFallback();
                }
              }
            },
            eng.limits.ackTimeout());
  }

  private void enterFallback() {
    log.warn(
        "link {} -> {} ({}) down past {}: objects go through the API Server",
        eng.stage.name(),
        destination,
        address,
        eng.limits.fallbackAfter());
    fallback = true;
    pending.clear();
    if (state == State.FENCED) {
      rehandshakeAfterBackoff(); // emits no longer queue here: get the link back by itself
    }
    eng.checkRecovered();
    for (DirtyEntry e : eng.dirtyFor(address)) {
      if (!e.persisted && e.object != null && !e.adopted) {
        eng.metrics.fallbackWrite("link-down");
        eng.fallbackWrite(e);
      }
    }
  }

  /** Queues the latest state of an object for sending. Guarded by the engine lock. */
  void enqueue(String kind, String key) {
    String id = ObjectId.idOf(kind, key);
    retracts.remove(id);
    pending.put(id, kind);
    if (state == State.FENCED) {
      rehandshakeAfterBackoff();
    }
    flush();
  }

  /** Queues a retraction (the object moved elsewhere). Guarded by the engine lock. */
  void retract(String kind, String key, long version) {
    log.debug(
        "{}: retracting {} {} from {} (version {})",
        eng.stage.name(),
        kind,
        key,
        destination,
        version);
    String id = ObjectId.idOf(kind, key);
    pending.remove(id);
    retracts.put(id, new Retract(kind, key, version));
    if (state == State.FENCED) {
      rehandshakeAfterBackoff();
    }
    flush();
  }

  // ------------------------------------------------------------------------------------------------------

  @Override
  public void onOpen(Link l) {
    synchronized (eng) {
      if (state == State.CLOSED || eng.closed) {
        l.close();
        return;
      }
      link = l;
      startHandshake();
    }
  }

  private void startHandshake() {
    epoch = eng.epochs.next();
    outbox.useEncoder(eng.codec.newEncoder(eng.limits.maxTemplates()));
    inflight.clear();
    pending.clear();
    retracts.clear();
    reconcileSent = List.of();
    state = State.HANDSHAKE1;
    requestSeq = ++seq;
    cancelAckTimer();
    handshakeSentNanos = eng.scheduler.nanoTime();
    send(
        Envelope.newBuilder()
            .setSeq(requestSeq)
            .setEpoch(epoch)
            .setHandshakeRequest(
                HandshakeRequest.newBuilder()
                    .setSource(eng.stage.name())
                    .setDestination(destination))
            .build(),
        "handshake_request");
    armAckTimer();
  }

  /** Queues a handshake message for the current link (sent in order by {@link #drainOutbox}). */
  private void send(Envelope env, String type) {
    send(type, env.getSeq(), null, enc -> env);
  }

  /**
   * Queues a message for the current link; {@code build} runs outside the engine lock. Guarded by
   * the engine lock.
   */
  private void send(
      String type, long msgSeq, List<Sent> sents, Function<ObjectEncoder, Envelope> build) {
    if (link != null) {
      outbox.send(link, msgSeq, epoch, type, sents, build);
    }
  }

  /**
   * A batch that could not be encoded: its objects fail (a handshake message: the link is cycled).
   */
  private void notEncoded(Link l, long msgSeq, List<Sent> sents, RuntimeException ex) {
    if (sents == null) {
      Outbox.cycle(l, "handshake message", ex);
      return;
    }
    if (inflight.remove(msgSeq) == null) {
      return;
    }
    LinkException cause = new LinkException(ErrorCode.MALFORMED, ex.toString());
    sents.forEach(
        s -> {
          if (!s.retract) {
            eng.failed(s.kind, s.key, address, cause);
          }
        });
  }

  /** A batch the link refused: sent again later (after a backoff if the link was overloaded). */
  private void notSent(Link l, long msgSeq, List<Sent> sents, LinkException ex) {
    if (sents == null || l != link || inflight.remove(msgSeq) == null) {
      return;
    }
    requeue(sents);
    if (ex.code() == ErrorCode.OVERLOADED) {
      scheduleRetry(this::flush);
    }
  }

  @Override
  public void onMessage(Link l, Envelope env) {
    synchronized (eng) {
      if (l != link || state == State.CLOSED) {
        return;
      }
      eng.metrics.message(linkTag, "in", DefaultStageEngine.bodyType(env));
      switch (env.getBodyCase()) {
        case HANDSHAKE_SNAPSHOT -> {
          if (state == State.HANDSHAKE1 && env.getEpoch() == epoch) {
            onSnapshot(env.getHandshakeSnapshot());
          }
        }
        case HANDSHAKE_CONFIRM -> {
          if (state == State.HANDSHAKE2 && env.getEpoch() == epoch) {
            onConfirm();
          }
        }
        case ACK -> onAck(env.getAck().getSeq());
        case ERROR -> onError(env);
        default ->
            log.debug(
                "{}: unexpected {} from downstream {}",
                eng.stage.name(),
                env.getBodyCase(),
                address);
      }
    }
  }

  /**
   * The held objects' content from a snapshot (protocol minor 1), by id, at the held version. A
   * batch that does not decode is skipped (its objects stay refs without content); the handshake
   * goes on.
   */
  private Map<String, InboundChange> snapshotContent(HandshakeSnapshot snapshot) {
    Map<String, InboundChange> out = new HashMap<>();
    if (snapshot.getObjectsCount() == 0 || minor() < 1) {
      return out;
    }
    ObjectDecoder decoder = eng.codec.newDecoder(eng.limits.maxTemplates());
    for (ObjectBatch batch : snapshot.getObjectsList()) {
      try {
        for (InboundChange c : decoder.decode(batch)) {
          if (c.type() != ChangeType.DELETED) {
            out.put(ObjectId.idOf(c.ref().getKind(), Kinds.key(c.ref())), c);
          }
        }
      } catch (MissingTemplateException | MalformedObjectException | IllegalArgumentException ex) {
        log.warn(
            "{}: snapshot content of {} from {} does not decode: {}",
            eng.stage.name(),
            batch.getKind(),
            address,
            ex.toString());
      }
    }
    return out;
  }

  private void onSnapshot(HandshakeSnapshot snapshot) {
    eng.metrics.handshake("round1", "ok");
    Map<String, ObjectRef> heldById = new HashMap<>();
    long maxHeld = 0;
    for (ObjectRef r : snapshot.getHeldList()) {
      heldById.put(ObjectId.idOf(r.getKind(), Kinds.key(r)), r);
      maxHeld = Math.max(maxHeld, r.getVersion());
    }
    // Versions this stage issues from now on exceed what the receiver holds, even if this process's
    // clock is
    // behind the previous incarnation's (within the allowed skew).
    observeEpoch(maxHeld);
    Map<String, InboundChange> content = snapshotContent(snapshot);
    LinkedHashMap<String, List<DirtyEntry>> resend = new LinkedHashMap<>();
    List<ObjectRef> retract = new ArrayList<>();
    List<DirtyEntry> drop = new ArrayList<>();
    for (DirtyEntry e : eng.dirtyFor(address)) {
      ObjectRef ref = heldById.remove(e.id());
      if (e.persisted) {
        continue;
      }
      if (e.type == ChangeType.DELETED) {
        if (e.object == null) {
          if (ref != null) {
            retract.add(ref);
          }
          drop.add(e);
        } else {
          // Send the delete itself after the confirm, not a handshake retraction (which does not
          // cascade, and a
          // tail does not cancel its write-back for it), whether the downstream still holds the
          // object or not (it
          // may have sent it on, and its own delete of that copy may still be on its way): the
          // delete completes
          // only once the downstream, and whatever it sent the object on to, have it.
          if (ref != null && ref.getVersion() >= e.version) {
            e.version = eng.epochs.next();
          }
          pending.put(e.id(), e.kind);
        }
      } else if (e.adopted) {
        if (ref == null) {
          drop.add(e); // adopted earlier, and the downstream lost it: nothing to resend
        }
      } else if (ref == null || ref.getVersion() < e.version) {
        resend.computeIfAbsent(e.kind, k -> new ArrayList<>()).add(e);
      } else if (ref.getVersion() > e.version) {
        // Held at a version this process never issued for this entry (versions only grow): an
        // earlier
        // incarnation's copy, from a clock that ran ahead. Ours is newer: give it a version past
        // that one.
        e.version = eng.epochs.next();
        resend.computeIfAbsent(e.kind, k -> new ArrayList<>()).add(e);
      } else {
        eng.acked(e.kind, e.key, ref.getVersion(), address);
      }
    }
    for (ObjectRef ref : heldById.values()) {
      DirtyEntry e = eng.dirty.get(ObjectId.idOf(ref.getKind(), Kinds.key(ref)));
      if (e != null && e.persisted) {
        continue;
      }
      String id = ObjectId.idOf(ref.getKind(), Kinds.key(ref));
      InboundChange c = content.get(id);
      KubernetesObject held =
          c != null && c.ref().getVersion() == ref.getVersion() ? c.object() : null;
      KubernetesObject probe = held != null ? held : ObjectId.of(ref).stub();
      if (e == null
          && (eng.superseded(ref.getKind(), Kinds.key(ref), probe)
              || eng.deletedInStore(ref.getKind(), Kinds.key(ref), probe))) {
        // This stage's feed already showed its API copy, or that copy deleted (the downstream's
        // feed lags): the
        // downstream drops the copy it holds on its own. Adopting it would track an entry no feed
        // event or
        // snapshot drops any more (and a head would count a deleted object as a replica).
        continue;
      }
      // Still wanted when this stage holds the input it derives from (a relay), or when it is the
      // object's
      // origin (a head stage) and can see it: its informers show it and its own reconcile decides.
      boolean known =
          eng.store.get(ref.getKind(), Kinds.key(ref)).isPresent()
              || (held != null && eng.producesHere(ref.getKind()));
      if (e == null && eng.adoption.adopt(destination, ref, known)) {
        eng.adopt(ref, address, held);
      } else {
        retract.add(ref);
      }
    }
    for (DirtyEntry e : drop) {
      eng.dirty.remove(e.id());
      if (e.type == ChangeType.DELETED) {
        eng.deletedHere(e);
      }
      eng.hideOwn(e.kind, e.key, RemovalReason.RETRACTED);
      eng.complete(e.drainWaiters(), e.object, null);
    }
    HandshakeReconcile.Builder rec = HandshakeReconcile.newBuilder().addAllRetract(retract);
    String resendKind = null;
    List<OutboundChange> resendChanges = List.of();
    List<Sent> sent = new ArrayList<>();
    Iterator<Map.Entry<String, List<DirtyEntry>>> it = resend.entrySet().iterator();
    if (it.hasNext()) {
      Map.Entry<String, List<DirtyEntry>> first = it.next();
      List<OutboundChange> changes = new ArrayList<>();
      for (DirtyEntry e : first.getValue()) {
        changes.add(new OutboundChange(e.type, e.object, e.version));
        sent.add(new Sent(e.kind, e.key, e.version, false));
        e.sentDown = true;
        // Emitted while the handshake ran: the resend carries this version, so it is not sent again
        // after the
        // confirm (the receiver may have dropped it by then, e.g. rejected, and would take the
        // repeat as new).
        pending.remove(e.id());
      }
      resendKind = first.getKey();
      resendChanges = changes;
    }
    while (it.hasNext()) {
      for (DirtyEntry e : it.next().getValue()) {
        pending.put(e.id(), e.kind);
      }
    }
    reconcileSent = sent;
    snapshotSeen = true;
    eng.checkRecovered();
    state = State.HANDSHAKE2;
    handshakeSentNanos = eng.scheduler.nanoTime();
    long reconcileSeq = ++seq;
    long reconcileEpoch = epoch;
    String kind = resendKind;
    List<OutboundChange> changes = resendChanges;
    send(
        "handshake_reconcile",
        reconcileSeq,
        null,
        enc -> {
          if (kind != null) {
            rec.setResend(enc.encode(kind, changes));
          }
          return Envelope.newBuilder()
              .setSeq(reconcileSeq)
              .setEpoch(reconcileEpoch)
              .setHandshakeReconcile(rec)
              .build();
        });
    armAckTimer();
  }

  private void onConfirm() {
    eng.metrics.handshake("round2", "ok");
    epochCatchUp = false;
    state = State.READY;
    handshakeSentNanos = -1;
    retryBackoff = null;
    if (fallbackTimer != null) {
      fallbackTimer.cancel();
      fallbackTimer = null;
    }
    if (fallback) {
      log.info(
          "link {} -> {} ({}) is back: direct path again", eng.stage.name(), destination, address);
    }
    fallback = false;
    for (Sent s : reconcileSent) {
      eng.acked(s.kind, s.key, s.version, address);
    }
    reconcileSent = List.of();
    flush();
  }

  private void onAck(long ackSeq) {
    InFlight b = inflight.remove(ackSeq);
    if (b == null) {
      return;
    }
    retryBackoff = null;
    eng.metrics.ackLatency(
        linkTag, Duration.ofNanos(Math.max(0, eng.scheduler.nanoTime() - b.sentNanos())));
    for (Sent s : b.sents()) {
      if (!s.retract) {
        eng.acked(s.kind, s.key, s.version, address);
      }
    }
    flush();
  }

  private void onError(Envelope env) {
    io.kubedirect.protocol.v1.Error err = env.getError();
    long errSeq = err.getSeq();
    ErrorCode code = err.getCode();
    if (errSeq == ReceiverHandler.NOTICE_SEQ) {
      if (minor() >= 2) {
        onNotice(env, err);
      }
      return;
    }
    if (errSeq == requestSeq && state == State.HANDSHAKE1) {
      eng.metrics.handshake("round1", code.name().toLowerCase());
      handshakeSentNanos = -1; // answered; the retry sends a new request
      if (code == ErrorCode.EPOCH_MISMATCH
          && observeEpoch(err.getCurrentEpoch())
          && !epochCatchUp) {
        // Our epoch was not newer than the receiver's (a clock behind the previous incarnation's,
        // or an
        // epoch another instance installed): move past it and retry at once, one time.
        log.info(
            "{}: handshake with {} rejected ({}); retrying past epoch {}",
            eng.stage.name(),
            address,
            err.getMessage(),
            err.getCurrentEpoch());
        epochCatchUp = true;
        startHandshake();
        return;
      }
      log.warn(
          "{}: handshake with {} rejected: {} {}",
          eng.stage.name(),
          address,
          code,
          err.getMessage());
      scheduleRetry(this::startHandshakeIfConnected);
      return;
    }
    InFlight rejected = inflight.remove(errSeq);
    List<Sent> sents = rejected == null ? null : rejected.sents();
    if (code == ErrorCode.EPOCH_MISMATCH) {
      observeEpoch(err.getCurrentEpoch());
    }
    if (state == State.HANDSHAKE2 && errSeq == seq) {
      eng.metrics.handshake("round2", code.name().toLowerCase());
      handshakeSentNanos = -1; // answered; the retry starts a new handshake
      scheduleRetry(this::startHandshakeIfConnected);
      return;
    }
    if (sents == null) {
      if (errSeq == 0) {
        log.warn(
            "{}: downstream {} closed the link: {} {}",
            eng.stage.name(),
            address,
            code,
            err.getMessage());
      }
      return;
    }
    switch (code) {
      case NOT_FOUND -> {
        outbox.resetEncoder();
        requeue(sents);
        flush();
      }
      case EPOCH_MISMATCH -> {
        eng.metrics.epochRejected();
        fenced();
      }
      case OVERLOADED -> {
        requeue(sents);
        scheduleRetry(this::flush);
      }
      default -> {
        log.error(
            "{}: downstream {} rejected a batch: {} {}",
            eng.stage.name(),
            address,
            code,
            err.getMessage());
        LinkException cause = new LinkException(code, err.getMessage());
        for (Sent s : sents) {
          if (!s.retract) {
            eng.failed(s.kind, s.key, address, cause);
          }
        }
      }
    }
  }

  /**
   * An unsolicited notice (protocol minor 2): REJECTED or NOT_FOUND objects, objects the receiver
   * STORED (and at which revision), or EPOCH_MISMATCH saying a newer epoch of this stage (another
   * instance, or a later connection) fenced ours.
   */
  private void onNotice(Envelope env, io.kubedirect.protocol.v1.Error err) {
    switch (err.getCode()) {
      case REJECTED, NOT_FOUND -> {
        if (err.getCode() == ErrorCode.REJECTED) {
          log.warn(
              "{}: {} object(s) sent to {} were rejected by the persisted store: {}",
              eng.stage.name(),
              err.getRefsCount(),
              address,
              err.getMessage());
        }
        for (ObjectRef r : err.getRefsList()) {
          eng.rejectedDownstream(
              r.getKind(), Kinds.key(r), r.getVersion(), err.getCode(), err.getMessage(), address);
        }
      }
      case STORED -> {
        for (ObjectRef r : err.getRefsList()) {
          eng.storedDownstream(
              r.getKind(), Kinds.key(r), r.getVersion(), r.getStoredResourceVersion(), address);
        }
      }
      case EPOCH_MISMATCH -> {
        if (env.getEpoch() == epoch && state != State.HANDSHAKE1) {
          observeEpoch(err.getCurrentEpoch());
          eng.metrics.epochRejected();
          log.warn("{}: link to {} fenced: {}", eng.stage.name(), address, err.getMessage());
          fenced();
        }
      }
      default ->
          log.debug(
              "{}: notice {} from {}: {}",
              eng.stage.name(),
              err.getCode(),
              address,
              err.getMessage());
    }
  }

  /**
   * A newer epoch of this source took over at the receiver. Re-handshake (which resends whatever
   * the receiver does not hold from us), after a backoff that grows while the fencing repeats, so
   * two live instances of one stage do not fence each other in a tight loop.
   */
  private void fenced() {
    state = State.HANDSHAKE1; // nothing more is sent on the fenced epoch
    handshakeSentNanos = -1;
    inflight.clear();
    // In fallback a session must get its link back (emits do not queue then), so that counts as
    // work too.
    boolean work = fallback || !pending.isEmpty() || !retracts.isEmpty();
    for (DirtyEntry e : eng.dirtyFor(address)) {
      // Adopted entries too: only a new snapshot tells whether the downstream still holds them.
      work |= !e.persisted;
    }
    if (!work) {
      // Everything this session sent is persisted or held: stay fenced until there is something to
      // send,
      // so that two idle instances do not take the link from each other forever.
      state = State.FENCED;
      return;
    }
    rehandshakeAfterBackoff();
  }

  /** Starts a new handshake after the fencing backoff (which grows while fencings repeat). */
  private void rehandshakeAfterBackoff() {
    state = State.HANDSHAKE1;
    long now = eng.scheduler.nanoTime();
    if (fenceBackoff == null || now - lastFencedNanos > eng.limits.retryMax().toNanos() * 4) {
      fenceBackoff = eng.limits.retryBackoff().get();
    }
    lastFencedNanos = now;
    Duration delay = fenceBackoff.nextBackoff();
    if (retryTimer != null) {
      retryTimer.cancel();
    }
    retryTimer =
        eng.scheduler.schedule(
            () -> {
              synchronized (eng) {
                retryTimer = null;
                if (state != State.CLOSED && !eng.closed) {
                  startHandshakeIfConnected();
                }
              }
            },
            delay);
  }

  /**
   * Moves this stage's epoch source past an epoch the receiver reported, if it is within the
   * allowed skew of our clock (a hostile value is ignored). Returns whether it was taken.
   */
  /** The protocol minor of the current link (what both ends speak on it). */
  int linkMinor() {
    return minor();
  }

  private int minor() {
    Link l = link;
    return l == null ? io.kubedirect.transport.Transport.PROTOCOL_MINOR : l.protocolMinor();
  }

  private boolean observeEpoch(long current) {
    if (current <= 0 || minor() < 2 || current > eng.epochs.ceiling(eng.limits.maxEpochSkew())) {
      return false;
    }
    eng.epochs.observe(current);
    return true;
  }

  private void startHandshakeIfConnected() {
    if (link != null && link.isOpen() && state != State.CLOSED) {
      startHandshake();
    }
  }

  private void scheduleRetry(Runnable r) {
    if (retryTimer != null) {
      return;
    }
    if (retryBackoff == null) {
      retryBackoff = eng.limits.retryBackoff().get();
    }
    Duration delay = retryBackoff.nextBackoff();
    retryTimer =
        eng.scheduler.schedule(
            () -> {
              synchronized (eng) {
                retryTimer = null;
                if (state != State.CLOSED && !eng.closed) {
                  r.run();
                }
              }
            },
            delay);
  }

  private void requeue(List<Sent> sents) {
    for (Sent s : sents) {
      String id = ObjectId.idOf(s.kind, s.key);
      if (s.retract) {
        retracts.putIfAbsent(id, new Retract(s.kind, s.key, s.version));
      } else {
        pending.put(id, s.kind);
      }
    }
  }

  @Override
  public void onWritable(Link l) {
    synchronized (eng) {
      if (l == link) {
        flush();
      }
    }
  }

  @Override
  public void onClosed(Link l, LinkException cause) {
    synchronized (eng) {
      if (l != link) {
        return;
      }
      link = null;
      if (state == State.CLOSED) {
        return;
      }
      if (cause != null) {
        log.info("{}: link to {} closed: {}", eng.stage.name(), address, cause.getMessage());
      }
      resetConnectionState();
    }
  }

  /** Sends pending changes while the link has room. Guarded by the engine lock. */
  void flush() {
    while (state == State.READY && link != null && (!pending.isEmpty() || !retracts.isEmpty())) {
      if (!link.isWritable() || inflight.size() >= eng.limits.maxInflightBatches()) {
        return;
      }
      String kind =
          !retracts.isEmpty()
              ? retracts.values().iterator().next().kind
              : pending.values().iterator().next();
      List<OutboundChange> changes = new ArrayList<>();
      List<Sent> sents = new ArrayList<>();
      int max = eng.limits.maxBatchObjects();
      for (Iterator<Retract> it = retracts.values().iterator();
          it.hasNext() && changes.size() < max; ) {
        Retract r = it.next();
        if (r.kind.equals(kind)) {
          it.remove();
          KubernetesObject stub = ObjectId.of(kind, r.key).stub();
          changes.add(new OutboundChange(ChangeType.DELETED, stub, r.version));
          sents.add(new Sent(kind, r.key, r.version, true));
        }
      }
      for (Iterator<Map.Entry<String, String>> it = pending.entrySet().iterator();
          it.hasNext() && changes.size() < max; ) {
        Map.Entry<String, String> p = it.next();
        if (!p.getValue().equals(kind)) {
          continue;
        }
        it.remove();
        DirtyEntry e = eng.dirty.get(p.getKey());
        if (e == null || !address.equals(e.dest) || e.persisted || e.object == null || e.adopted) {
          continue;
        }
        changes.add(new OutboundChange(e.type, e.object, e.version));
        sents.add(new Sent(kind, e.key, e.version, false));
        e.sentDown = true;
      }
      if (changes.isEmpty()) {
        continue;
      }
      long s = ++seq;
      long batchEpoch = epoch;
      String batchKind = kind;
      inflight.put(s, new InFlight(sents, eng.scheduler.nanoTime()));
      send(
          "object_batch",
          s,
          sents,
          enc ->
              Envelope.newBuilder()
                  .setSeq(s)
                  .setEpoch(batchEpoch)
                  .setObjectBatch(enc.encode(batchKind, changes))
                  .build());
      armAckTimer();
      eng.metrics.batch(linkTag, "out", changes.size());
    }
  }
}
