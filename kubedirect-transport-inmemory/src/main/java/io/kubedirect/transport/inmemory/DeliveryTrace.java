package io.kubedirect.transport.inmemory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What the network did, in order: connections opened and closed, messages delivered, dropped,
 * duplicated. {@link #hash()} folds every event (with its virtual time and message bytes) into one
 * 64-bit value, so two runs are identical iff their hashes are (up to collisions). The last {@code
 * retained} events are kept as text for failure reports.
 */
public final class DeliveryTrace {

  private final int retained;
  private final java.util.ArrayDeque<String> recent = new java.util.ArrayDeque<>();
  private long hash = 0x9E3779B97F4A7C15L;
  private long events;

  DeliveryTrace(int retained) {
    this.retained = retained;
  }

  /** The hash over all events so far. */
  public synchronized long hash() {
    return hash;
  }

  /** How many events were recorded. */
  public synchronized long events() {
    return events;
  }

  /** The most recent events as text, oldest first. */
  public synchronized List<String> recent() {
    return Collections.unmodifiableList(new ArrayList<>(recent));
  }

  /** Folds an event that is not from the network (e.g. a simulated crash) into the trace. */
  public void record(long nanos, String event, long payloadHash) {
    synchronized (this) {
      events++;
      hash = mix(hash ^ mix(nanos) ^ mix(event.hashCode() * 0x100000001B3L) ^ mix(payloadHash + 1));
      if (retained > 0) {
        if (recent.size() == retained) {
          recent.removeFirst();
        }
        recent.addLast(nanos + " " + event);
      }
    }
  }

  /** Hashes bytes (FNV-1a, 64 bit) for {@link #record}. */
  public static long hashBytes(byte[] bytes) {
    long h = 0xcbf29ce484222325L;
    for (byte b : bytes) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
    z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
    return z ^ (z >>> 31);
  }
}
