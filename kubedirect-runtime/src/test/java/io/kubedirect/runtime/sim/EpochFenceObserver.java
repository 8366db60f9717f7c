package io.kubedirect.runtime.sim;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.PeerIdentity;
import io.kubedirect.transport.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A {@link Transport} decorator that watches a receiving stage from the outside and checks the
 * epoch fence: the receiver installs an epoch for a source when it answers a HandshakeRequest with
 * a HandshakeSnapshot, and every ObjectBatch it acknowledges (applies), and every
 * HandshakeReconcile it confirms, must carry the epoch that is current for that source at that
 * moment. Violations are collected, not thrown, so that a run reports all of them with its seed.
 * One instance per stage incarnation (a restarted process starts with an empty epoch table).
 */
final class EpochFenceObserver implements Transport {

  private final Transport inner;
  private final String stage;
  private final List<String> violations;
  private final Map<String, Long> currentEpoch = new HashMap<>();
  private final Map<Link, View> views = new IdentityHashMap<>();
  private long appliedBatches;
  private long staleRejectedCandidates;

  EpochFenceObserver(Transport inner, String stage, List<String> violations) {
    this.inner = inner;
    this.stage = stage;
    this.violations = violations;
  }

  /** Batches this incarnation acknowledged. */
  synchronized long appliedBatches() {
    return appliedBatches;
  }

  /**
   * Batches or reconciles that arrived with a non-current epoch (the fence had something to do).
   */
  synchronized long staleArrivals() {
    return staleRejectedCandidates;
  }

  @Override
  public LinkServer listen(PeerAddress address, LinkHandler handler) {
    return inner.listen(address, new Observed(handler, true));
  }

  @Override
  public ClientLink connect(PeerAddress address, String destination, LinkHandler handler) {
    ClientLink c = inner.connect(address, destination, new Observed(handler, false));
    return new ClientLink() {
      @Override
      public PeerAddress address() {
        return c.address();
      }

      @Override
      public Optional<Link> current() {
        return c.current().map(l -> view(l, false));
      }

      @Override
      public void close() {
        c.close();
      }
    };
  }

  @Override
  public void close() {
    inner.close();
  }

  private synchronized View view(Link l, boolean receiver) {
    return views.computeIfAbsent(l, k -> new View(k, receiver));
  }

  private synchronized void inbound(View v, Envelope env) {
    v.processing = env;
    if (env.hasHandshakeRequest() && v.receiver) {
      v.source = env.getHandshakeRequest().getSource();
    }
    if (env.hasObjectBatch() || env.hasHandshakeReconcile()) {
      Long cur = currentEpoch.get(v.source());
      if (cur == null || cur != env.getEpoch()) {
        staleRejectedCandidates++;
      }
    }
  }

  /** The sequence number of an Error that is a notice, not an answer (the receiver's constant). */
  private static final long NOTICE_SEQ = -1L;

  private synchronized void outbound(View v, Envelope env) {
    if (!v.receiver) {
      return;
    }
    if (v.processing != null && !(env.hasError() && env.getError().getSeq() == NOTICE_SEQ)) {
      // (a notice, e.g. REJECTED for an object of an earlier batch, answers nothing: the batch
      // being
      // processed may still be acknowledged later, headPartition seed 1871)
      v.answered = true;
    }
    String source = v.source();
    if (env.hasHandshakeSnapshot()) {
      Long prev = currentEpoch.get(source);
      if (prev != null && env.getEpoch() <= prev) {
        violations.add(
            stage
                + ": installed epoch "
                + env.getEpoch()
                + " for "
                + source
                + " not newer than "
                + prev);
      }
      currentEpoch.put(source, env.getEpoch());
    } else if (env.hasAck()) {
      Envelope p = v.processing;
      if (p == null || !p.hasObjectBatch() || p.getSeq() != env.getAck().getSeq()) {
        // A relay acknowledges a batch with deletes once its downstream has them: the batch was
        // applied
        // while it was processed (then in its source's current epoch, checked there), the Ack comes
        // later.
        java.util.Deque<Envelope> waiting = v.unanswered.get(env.getAck().getSeq());
        Envelope deferred = waiting == null ? null : waiting.pollFirst();
        if (waiting != null && waiting.isEmpty()) {
          v.unanswered.remove(env.getAck().getSeq());
        }
        if (deferred != null) {
          appliedBatches++;
          return;
        }
        violations.add(
            stage
                + ": Ack("
                + env.getAck().getSeq()
                + ") to "
                + source
                + " not in answer to that ObjectBatch (processing "
                + (p == null ? "nothing" : p.getBodyCase())
                + ")");
        return;
      }
      appliedBatches++;
      Long cur = currentEpoch.get(source);
      if (cur == null || cur != p.getEpoch()) {
        violations.add(
            stage
                + ": applied a batch of epoch "
                + p.getEpoch()
                + " from "
                + source
                + " while its current epoch is "
                + cur);
      }
    } else if (env.hasHandshakeConfirm()) {
      Envelope p = v.processing;
      Long cur = currentEpoch.get(source);
      if (p == null || !p.hasHandshakeReconcile() || cur == null || cur != p.getEpoch()) {
        violations.add(
            stage
                + ": confirmed a reconcile of epoch "
                + (p == null ? "?" : p.getEpoch())
                + " from "
                + source
                + " while its current epoch is "
                + cur);
      }
    }
  }

  private final class Observed implements LinkHandler {
    private final LinkHandler delegate;
    private final boolean receiver;

    Observed(LinkHandler delegate, boolean receiver) {
      this.delegate = delegate;
      this.receiver = receiver;
    }

    @Override
    public void onOpen(Link link) {
      delegate.onOpen(view(link, receiver));
    }

    @Override
    public void onMessage(Link link, Envelope message) {
      View v = view(link, receiver);
      inbound(v, message);
      try {
        delegate.onMessage(v, message);
      } finally {
        synchronized (EpochFenceObserver.this) {
          if (v.receiver && v.processing == message && message.hasObjectBatch() && !v.answered) {
            Long cur = currentEpoch.get(v.source());
            if (cur != null && cur == message.getEpoch()) {
              // (a duplicated batch is applied twice, and each copy gets its own deferred Ack)
              v.unanswered
                  .computeIfAbsent(message.getSeq(), k -> new java.util.ArrayDeque<>())
                  .add(message);
            }
          }
          v.processing = null;
          v.answered = false;
        }
      }
    }

    @Override
    public void onWritable(Link link) {
      delegate.onWritable(view(link, receiver));
    }

    @Override
    public void onClosed(Link link, LinkException cause) {
      View v = view(link, receiver);
      try {
        delegate.onClosed(v, cause);
      } finally {
        synchronized (EpochFenceObserver.this) {
          views.remove(link);
        }
      }
    }
  }

  private final class View implements Link {
    private final Link link;
    private final boolean receiver;
    private Envelope processing;

    /** Whether something was sent while {@link #processing} was handled. */
    private boolean answered;

    /** Batches applied in their source's current epoch and not answered yet (a deferred Ack). */
    private final java.util.Map<Long, java.util.Deque<Envelope>> unanswered =
        new java.util.HashMap<>();

    /**
     * The source its last handshake named (a publisher's may name its instance:
     * "sandbox-manager/node-1").
     */
    private String source;

    /** The source the receiver keeps epochs for: the handshake's, else the peer's stage. */
    String source() {
      return source != null ? source : peer().stage();
    }

    View(Link link, boolean receiver) {
      this.link = link;
      this.receiver = receiver;
    }

    @Override
    public PeerIdentity peer() {
      return link.peer();
    }

    @Override
    public String id() {
      return link.id();
    }

    @Override
    public boolean isOpen() {
      return link.isOpen();
    }

    @Override
    public boolean isWritable() {
      return link.isWritable();
    }

    @Override
    public void send(Envelope message) {
      link.send(message);
      outbound(this, message);
    }

    @Override
    public void close() {
      link.close();
    }

    @Override
    public void close(ErrorCode code, String message) {
      link.close(code, message);
    }
  }

  /** For reports. */
  synchronized List<String> epochs() {
    List<String> out = new ArrayList<>();
    currentEpoch.forEach((k, v) -> out.add(k + "=" + v));
    return out;
  }
}
