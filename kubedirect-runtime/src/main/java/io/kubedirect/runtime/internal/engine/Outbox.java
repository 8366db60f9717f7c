package io.kubedirect.runtime.internal.engine;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.runtime.internal.codec.ObjectEncoder;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one link session sends, in the order the engine decided it under its lock, encoded and
 * handed to the link by a scheduler task under the outbox's own send lock (design.md §10): encoding
 * never holds the engine lock, and the encoder's template state follows the order of the sends.
 * Encoder changes (a new encoder for a new handshake, a reset after the receiver lost templates)
 * are queued too, so they take effect between the right messages. A message of an epoch its session
 * has left is dropped. The send lock is never taken while the engine lock is held.
 *
 * @param <T> what a session attaches to a message to handle its failure (e.g. the objects of a
 *     batch)
 */
final class Outbox<T> {

  private static final Logger log = LoggerFactory.getLogger(Outbox.class);

  /**
   * What a session does, under the engine lock again, with a message that could not be encoded or
   * sent.
   */
  interface Failures<T> {
    /** {@code build} failed; {@code token} is null for handshake messages. */
    void notEncoded(Link link, long seq, T token, RuntimeException cause);

    /** The link refused the message; {@code token} is null for handshake messages. */
    void notSent(Link link, long seq, T token, LinkException cause);
  }

  private record Message<T>(
      Link link,
      long seq,
      long epoch,
      String type,
      T token,
      Function<ObjectEncoder, Envelope> build) {}

  private record UseEncoder(ObjectEncoder encoder) {}

  private record ResetEncoder() {}

  private final DefaultStageEngine eng;
  private final String linkTag;
  private final LongSupplier currentEpoch;
  private final Failures<T> failures;
  private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final Object sendLock = new Object();

  /** The link's encoder; touched only by {@link #drain} under {@link #sendLock}. */
  private ObjectEncoder encoder;

  Outbox(DefaultStageEngine eng, String linkTag, LongSupplier currentEpoch, Failures<T> failures) {
    this.eng = eng;
    this.linkTag = linkTag;
    this.currentEpoch = currentEpoch;
    this.failures = failures;
  }

  /** Messages queued after this one are encoded with {@code e}. Guarded by the engine lock. */
  void useEncoder(ObjectEncoder e) {
    queue.add(new UseEncoder(e));
  }

  /**
   * Messages queued after this one are encoded as if no template had been sent. Guarded by the
   * engine lock.
   */
  void resetEncoder() {
    queue.add(new ResetEncoder());
  }

  /**
   * Queues a message for {@code link}, built (and encoded) by {@code build} outside the engine
   * lock. Guarded by the engine lock, which makes the queue's order the engine's order.
   */
  void send(
      Link link,
      long seq,
      long epoch,
      String type,
      T token,
      Function<ObjectEncoder, Envelope> build) {
    queue.add(new Message<>(link, seq, epoch, type, token, build));
    if (drainScheduled.compareAndSet(false, true)) {
      eng.scheduler.execute(
          () -> {
            drainScheduled.set(false);
            drain();
          });
    }
  }

  @SuppressWarnings("unchecked")
  private void drain() {
    List<Runnable> afterwards = new ArrayList<>();
    synchronized (sendLock) {
      Object o;
      while ((o = queue.poll()) != null) {
        if (o instanceof UseEncoder u) {
          encoder = u.encoder();
          continue;
        }
        if (o instanceof ResetEncoder) {
          if (encoder != null) {
            encoder.reset();
          }
          continue;
        }
        Message<T> m = (Message<T>) o;
        if (m.epoch() != currentEpoch.getAsLong()) {
          continue;
        }
        Envelope env;
        try {
          env = m.build().apply(encoder);
        } catch (RuntimeException ex) {
          log.error("{}: cannot encode a {} for {}", eng.stage().name(), m.type(), linkTag, ex);
          afterwards.add(() -> failures.notEncoded(m.link(), m.seq(), m.token(), ex));
          continue;
        }
        try {
          m.link().send(env);
          eng.metrics.message(linkTag, "out", m.type());
        } catch (LinkException ex) {
          log.debug("send to {} failed: {}", linkTag, ex.toString());
          afterwards.add(() -> failures.notSent(m.link(), m.seq(), m.token(), ex));
        }
      }
    }
    if (!afterwards.isEmpty()) {
      synchronized (eng) {
        afterwards.forEach(Runnable::run);
      }
    }
  }

  /**
   * Closes {@code link} after a handshake message could not be encoded (the handshake is then
   * retried).
   */
  static void cycle(Link link, String type, RuntimeException cause) {
    link.close(ErrorCode.INTERNAL, "cannot encode " + type + ": " + cause);
  }
}
