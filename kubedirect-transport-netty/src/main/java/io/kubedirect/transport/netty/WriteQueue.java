package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;
import io.netty.channel.EventLoop;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A bounded multi-producer queue of outbound envelopes, drained by one task on the channel's event
 * loop. Producers on any thread {@link #offer}; at most one drain task is pending at a time, so a
 * burst of sends costs one event-loop wake-up and (in the drain) one flush. Bounded twice: by a
 * number of messages and by their serialized bytes (an empty queue takes one message of any size).
 */
final class WriteQueue {

  /** What {@link #offer} did. */
  enum Offer {
    QUEUED,
    FULL_MESSAGES,
    FULL_BYTES
  }

  private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final int bound;
  private final long maxBytes;
  private final EventLoop loop;
  private final Runnable drain;

  WriteQueue(int bound, long maxBytes, EventLoop loop, Runnable drain) {
    this.bound = bound;
    this.maxBytes = maxBytes;
    this.loop = loop;
    this.drain = drain;
  }

  /**
   * Adds a message of {@code serializedSize} bytes and schedules a drain; nothing is queued when
   * the queue already holds the bound of messages, or when it is not empty and the bytes would
   * exceed the byte bound.
   */
  Offer offer(Envelope message, int serializedSize) {
    long held;
    do {
      held = bytes.get();
      if (held > 0 && held + serializedSize > maxBytes) {
        return Offer.FULL_BYTES;
      }
    } while (!bytes.compareAndSet(held, held + serializedSize));
    if (size.incrementAndGet() > bound) {
      size.decrementAndGet();
      bytes.addAndGet(-serializedSize);
      return Offer.FULL_MESSAGES;
    }
    queue.add(message);
    scheduleDrain();
    return Offer.QUEUED;
  }

  /** Makes sure a drain runs soon on the event loop. */
  void scheduleDrain() {
    if (scheduled.compareAndSet(false, true)) {
      loop.execute(drain);
    }
  }

  /** Called first by the drain task: later offers schedule a new drain. */
  void drainStarted() {
    scheduled.set(false);
  }

  /** Next message, or null. Event loop only. */
  Envelope poll() {
    Envelope e = queue.poll();
    if (e != null) {
      size.decrementAndGet();
      bytes.addAndGet(-e.getSerializedSize());
    }
    return e;
  }

  int size() {
    return size.get();
  }

  int bound() {
    return bound;
  }

  /** Serialized bytes of the queued messages. */
  long bytes() {
    return bytes.get();
  }

  long maxBytes() {
    return maxBytes;
  }

  /** Drops everything still queued; returns how many messages were dropped. */
  int clear() {
    int dropped = 0;
    while (poll() != null) {
      dropped++;
    }
    return dropped;
  }
}
