package io.kubedirect.runtime.internal.engine;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.HandshakeReconcile;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.protocol.v1.HandshakeSnapshot;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.OutboundChange;
import io.kubedirect.runtime.internal.model.ObjectId;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The link to one instance of a subscriber stage: best-effort fan-out of this stage's published
 * objects. It has no dirty entries, no futures, no fallback: nothing on the main path waits for it.
 * Each new connection runs the two-round handshake as a publisher (the snapshot says what the
 * subscriber holds from us; the reconcile resends what is newer here and retracts what is gone),
 * then streams changes coalesced per object. The backlog is bounded: past {@link
 * EngineLimits#maxDirtyObjects()} queued objects the connection is dropped, and the next one's
 * handshake brings the subscriber to the current state. All state is guarded by the engine lock.
 */
final class SubscriberSession implements LinkHandler {

  private static final Logger log = LoggerFactory.getLogger(SubscriberSession.class);

  /**
   * UNSUPPORTED: the subscriber speaks protocol minor 2 or older; it would not only observe, so it
   * gets nothing.
   */
  enum State {
    DISCONNECTED,
    HANDSHAKE1,
    HANDSHAKE2,
    READY,
    UNSUPPORTED,
    CLOSED
  }

  /** One change to send: the object's current copy, or a delete when {@code object} is null. */
  record Out(String kind, String key, long version, KubernetesObject object) {}

  private record InFlight(List<Out> outs, long sentNanos) {}

  private final DefaultStageEngine eng;
  final PeerAddress address;
  final String destination;
  private final String linkTag;
  private ClientLink client;
  private Link link;
  State state = State.DISCONNECTED;

  /** Volatile: read by the {@link #outbox}'s drain without the engine lock. */
  private volatile long epoch;

  /** Encodes and sends this session's messages outside the engine lock, in the engine's order. */
  private final Outbox<List<Out>> outbox;

  private long seq;
  private long requestSeq;
  private long handshakeSentNanos = -1;
  private final LinkedHashMap<String, Out> pending = new LinkedHashMap<>();
  private final Map<Long, InFlight> inflight = new HashMap<>();
  private TaskScheduler.Cancellable ackTimer;
  private TaskScheduler.Cancellable retryTimer;
  private BackoffPolicy retryBackoff;

  /** Connections dropped because the backlog overflowed (for tests and metrics). */
  int overflows;

  SubscriberSession(DefaultStageEngine eng, PeerAddress address, String destination) {
    this.eng = eng;
    this.address = address;
    this.destination = destination;
    this.linkTag = "subscriber:" + address;
    this.outbox =
        new Outbox<>(
            eng,
            linkTag,
            () -> epoch,
            new Outbox.Failures<>() {
              @Override
              public void notEncoded(Link l, long msgSeq, List<Out> outs, RuntimeException cause) {
                if (outs == null) {
                  Outbox.cycle(l, "handshake message", cause);
                } else {
                  inflight.remove(msgSeq); // best effort: these changes are not published
                }
              }

              @Override
              public void notSent(Link l, long msgSeq, List<Out> outs, LinkException cause) {
                if (outs == null || l != link || inflight.remove(msgSeq) == null) {
                  return;
                }
                requeue(outs);
                if (cause.code() == ErrorCode.OVERLOADED) {
                  scheduleRetry(SubscriberSession.this::flush);
                }
              }
            });
  }

  /** Dials; called without the engine lock. */
  void connect() {
    synchronized (eng) {
      if (state == State.CLOSED || eng.closed) {
        return;
      }
    }
    ClientLink c;
    try {
      c = eng.transport.connect(address, destination, this);
    } catch (RuntimeException e) {
      log.warn(
          "{}: cannot dial subscriber {} at {}: {}",
          eng.stage.name(),
          destination,
          address,
          e.toString());
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
      cancel();
      c = client;
      client = null;
      link = null;
      pending.clear();
      inflight.clear();
    }
    if (c != null) {
      c.close();
    }
  }

  /** Objects queued for sending (bounded). */
  int backlog() {
    return pending.size() + inflight.values().stream().mapToInt(b -> b.outs().size()).sum();
  }

  private void cancel() {
    if (ackTimer != null) {
      ackTimer.cancel();
      ackTimer = null;
    }
    if (retryTimer != null) {
      retryTimer.cancel();
      retryTimer = null;
    }
  }

  /**
   * A published object changed. Queued only on a connection past its snapshot (before that, the
   * handshake sends the current state anyway); a later change of the same object replaces a queued
   * one. Guarded by the engine lock.
   */
  void publish(Out out) {
    if (state != State.READY && state != State.HANDSHAKE2) {
      return;
    }
    pending.put(ObjectId.idOf(out.kind(), out.key()), out);
    if (backlog() > eng.limits.maxDirtyObjects()) {
      overflows++;
      log.warn(
          "{}: subscriber {} ({}) is {} objects behind: dropping its connection; the next one's handshake "
              + "sends it the current state",
          eng.stage.name(),
          destination,
          address,
          backlog());
      Link l = link;
      resetConnectionState();
      l.close(ErrorCode.OVERLOADED, "subscriber too far behind");
      return;
    }
    flush();
  }

  @Override
  public void onOpen(Link l) {
    synchronized (eng) {
      if (state == State.CLOSED || eng.closed) {
        l.close();
        return;
      }
      link = l;
      if (l.protocolMinor() < 3) {
        // Below minor 3 the receiver does not know it is a subscriber: it would treat the objects
        // as its own
        // (cascade deletes, expose them). Publish nothing to it.
        log.warn(
            "{}: subscriber {} at {} speaks protocol minor {}; subscriptions need minor 3: publishing nothing "
                + "to it",
            eng.stage.name(),
            destination,
            address,
            l.protocolMinor());
        state = State.UNSUPPORTED;
        return;
      }
      startHandshake();
    }
  }

  private void startHandshake() {
    epoch = eng.epochs.next();
    outbox.useEncoder(eng.codec.newEncoder(eng.limits.maxTemplates()));
    inflight.clear();
    pending.clear();
    state = State.HANDSHAKE1;
    requestSeq = ++seq;
    if (ackTimer != null) {
      ackTimer.cancel();
      ackTimer = null;
    }
    handshakeSentNanos = eng.scheduler.nanoTime();
    Envelope request =
        Envelope.newBuilder()
            .setSeq(requestSeq)
            .setEpoch(epoch)
            .setHandshakeRequest(
                HandshakeRequest.newBuilder()
                    .setSource(eng.publisherSource())
                    .setDestination(destination)
                    .setSubscriber(true))
            .build();
    outbox.send(link, requestSeq, epoch, "handshake_request", null, enc -> request);
    armAckTimer();
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
            state = State.READY;
            handshakeSentNanos = -1;
            retryBackoff = null;
            flush();
          }
        }
        case ACK -> {
          if (inflight.remove(env.getAck().getSeq()) != null) {
            retryBackoff = null;
            flush();
          }
        }
        case ERROR -> onError(env.getError());
        default ->
            log.debug(
                "{}: unexpected {} from subscriber {}",
                eng.stage.name(),
                env.getBodyCase(),
                address);
      }
    }
  }

  /**
   * What the subscriber holds from us versus what is published now: resend the newer, retract the
   * gone.
   */
  private void onSnapshot(HandshakeSnapshot snapshot) {
    if (snapshot.getHeldCount() > 0 || snapshot.getObjectsCount() > 0) {
      log.debug(
          "{}: subscriber {} holds {} objects from us",
          eng.stage.name(),
          address,
          snapshot.getHeldCount());
    }
    Map<String, ObjectRef> held = new HashMap<>();
    long maxHeld = 0;
    for (ObjectRef r : snapshot.getHeldList()) {
      held.put(ObjectId.idOf(r.getKind(), Kinds.key(r)), r);
      maxHeld = Math.max(maxHeld, r.getVersion());
    }
    // The subscriber may hold versions from an earlier incarnation of this publisher whose clock
    // was
    // ahead (a restart with the clock stepped back): move past them, or this incarnation's later
    // changes (a delete) would look older than what it holds and be ignored.
    if (maxHeld > 0 && maxHeld <= eng.epochs.ceiling(eng.limits.maxEpochSkew())) {
      eng.epochs.observe(maxHeld);
    }
    LinkedHashMap<String, List<Out>> resend = new LinkedHashMap<>();
    for (Map.Entry<String, DefaultStageEngine.Published> e : eng.published.entrySet()) {
      DefaultStageEngine.Published p = e.getValue();
      ObjectRef r = held.remove(e.getKey());
      if (r != null && r.getVersion() > p.version()) {
        // Held under a version from ahead of ours: send our copy again under a newer version.
        p = new DefaultStageEngine.Published(p.kind(), p.key(), eng.epochs.next(), p.object());
        e.setValue(p);
        r = null;
      }
      if (r == null || r.getVersion() < p.version()) {
        resend
            .computeIfAbsent(p.kind(), k -> new ArrayList<>())
            .add(new Out(p.kind(), p.key(), p.version(), p.object()));
      }
    }
    HandshakeReconcile.Builder rec = HandshakeReconcile.newBuilder().addAllRetract(held.values());
    Iterator<Map.Entry<String, List<Out>>> it = resend.entrySet().iterator();
    String resendKind = null;
    List<OutboundChange> changes = new ArrayList<>();
    if (it.hasNext()) {
      Map.Entry<String, List<Out>> first = it.next();
      resendKind = first.getKey();
      first
          .getValue()
          .forEach(o -> changes.add(new OutboundChange(ChangeType.ADDED, o.object(), o.version())));
    }
    while (it.hasNext()) {
      for (Out o : it.next().getValue()) {
        pending.put(ObjectId.idOf(o.kind(), o.key()), o);
      }
    }
    state = State.HANDSHAKE2;
    handshakeSentNanos = eng.scheduler.nanoTime();
    long reconcileSeq = ++seq;
    long reconcileEpoch = epoch;
    String kind = resendKind;
    outbox.send(
        link,
        reconcileSeq,
        reconcileEpoch,
        "handshake_reconcile",
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

  private void onError(io.kubedirect.protocol.v1.Error err) {
    long errSeq = err.getSeq();
    if (errSeq == ReceiverHandler.NOTICE_SEQ) {
      return; // a subscriber's notices (rejections, fencing) concern nothing this stage must act on
    }
    if ((state == State.HANDSHAKE1 && errSeq == requestSeq)
        || (state == State.HANDSHAKE2 && errSeq == seq)) {
      if (err.getCode() == ErrorCode.EPOCH_MISMATCH
          && err.getCurrentEpoch() > 0
          && err.getCurrentEpoch() <= eng.epochs.ceiling(eng.limits.maxEpochSkew())) {
        eng.epochs.observe(err.getCurrentEpoch());
      }
      log.info(
          "{}: handshake with subscriber {} refused: {} {}",
          eng.stage.name(),
          address,
          err.getCode(),
          err.getMessage());
      handshakeSentNanos = -1;
      scheduleRetry(this::startHandshakeIfConnected);
      return;
    }
    InFlight b = inflight.remove(errSeq);
    if (b == null) {
      return;
    }
    switch (err.getCode()) {
      case NOT_FOUND -> {
        outbox.resetEncoder();
        requeue(b.outs());
        flush();
      }
      case OVERLOADED -> {
        requeue(b.outs());
        scheduleRetry(this::flush);
      }
      case EPOCH_MISMATCH -> scheduleRetry(this::startHandshakeIfConnected);
      default ->
          log.warn(
              "{}: subscriber {} refused {} objects: {} {}",
              eng.stage.name(),
              address,
              b.outs().size(),
              err.getCode(),
              err.getMessage());
    }
  }

  private void requeue(List<Out> outs) {
    for (Out o : outs) {
      pending.putIfAbsent(ObjectId.idOf(o.kind(), o.key()), o); // a newer change queued since wins
    }
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
            retryBackoff.nextBackoff());
  }

  /** The oldest message still awaiting its answer, or {@code Long.MAX_VALUE}. */
  private long oldestUnanswered() {
    long oldest =
        (state == State.HANDSHAKE1 || state == State.HANDSHAKE2) && handshakeSentNanos >= 0
            ? handshakeSentNanos
            : Long.MAX_VALUE;
    for (InFlight b : inflight.values()) {
      oldest = Math.min(oldest, b.sentNanos());
    }
    return oldest;
  }

  /**
   * A subscriber that answers nothing within the ack timeout gets its connection replaced (as on
   * the main path).
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
    ackTimer =
        eng.scheduler.schedule(
            () -> {
              synchronized (eng) {
                ackTimer = null;
                if (state == State.CLOSED || eng.closed || link == null) {
                  return;
                }
                long first = oldestUnanswered();
                if (first != Long.MAX_VALUE
                    && eng.scheduler.nanoTime() - first >= eng.limits.ackTimeout().toNanos()) {
                  log.warn(
                      "{}: subscriber {} ({}) answered nothing within {} ms; reconnecting",
                      eng.stage.name(),
                      destination,
                      address,
                      eng.limits.ackTimeout().toMillis());
                  Link l = link;
                  resetConnectionState();
                  l.close(ErrorCode.INTERNAL, "ack timeout: subscriber");
                } else {
                  armAckTimer();
                }
              }
            },
            Duration.ofNanos(due));
  }

  private void resetConnectionState() {
    link = null;
    state = State.DISCONNECTED;
    inflight.clear();
    pending.clear();
    handshakeSentNanos = -1;
    cancel();
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
      if (l != link || state == State.CLOSED) {
        return;
      }
      if (cause != null) {
        log.info(
            "{}: link to subscriber {} closed: {}", eng.stage.name(), address, cause.getMessage());
      }
      resetConnectionState();
    }
  }

  /** Sends queued changes while the link has room. Guarded by the engine lock. */
  private void flush() {
    while (state == State.READY && link != null && !pending.isEmpty()) {
      if (!link.isWritable() || inflight.size() >= eng.limits.maxInflightBatches()) {
        return;
      }
      String kind = pending.values().iterator().next().kind();
      List<OutboundChange> changes = new ArrayList<>();
      List<Out> outs = new ArrayList<>();
      for (Iterator<Out> it = pending.values().iterator();
          it.hasNext() && changes.size() < eng.limits.maxBatchObjects(); ) {
        Out o = it.next();
        if (!o.kind().equals(kind)) {
          continue;
        }
        it.remove();
        if (o.object() == null) {
          changes.add(
              new OutboundChange(
                  ChangeType.DELETED, ObjectId.of(kind, o.key()).stub(), o.version()));
        } else {
          changes.add(new OutboundChange(ChangeType.MODIFIED, o.object(), o.version()));
        }
        outs.add(o);
      }
      long s = ++seq;
      long batchEpoch = epoch;
      inflight.put(s, new InFlight(outs, eng.scheduler.nanoTime()));
      outbox.send(
          link,
          s,
          batchEpoch,
          "object_batch",
          outs,
          enc ->
              Envelope.newBuilder()
                  .setSeq(s)
                  .setEpoch(batchEpoch)
                  .setObjectBatch(enc.encode(kind, changes))
                  .build());
      armAckTimer();
    }
  }
}
