package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;
import io.netty.channel.EventLoop;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A bounded multi-producer queue of outbound envelopes, drained by one task on the channel's event loop.
 * Producers on any thread {@link #offer}; at most one drain task is pending at a time, so a burst of sends
 * costs one event-loop wake-up and (in the drain) one flush.
 */
final class WriteQueue {

  private final ConcurrentLinkedQueue<Envelope> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger size = new AtomicInteger();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final int bound;
  private final EventLoop loop;
  private final Runnable drain;

  WriteQueue(int bound, EventLoop loop, Runnable drain) {
    this.bound = bound;
    this.loop = loop;
    this.drain = drain;
  }

  /** Adds a message and schedules a drain; false (nothing queued) when the queue already holds the bound. */
  boolean offer(Envelope message) {
    if (size.incrementAndGet() > bound) {
      size.decrementAndGet();
      return false;
    }
    queue.add(message);
    scheduleDrain();
    return true;
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
    }
    return e;
  }

  int size() {
    return size.get();
  }

  int bound() {
    return bound;
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
