package io.kubedirect.examples.faas.activator;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;

/**
 * Capacity and buffering of one function (Knative's revision throttler with its breakers): a
 * tracker per ready sandbox admits at most its container concurrency in-flight requests (0 = any
 * number); a request that finds no free tracker waits in a bounded FIFO queue and is granted a
 * tracker as soon as one frees up or a new sandbox becomes ready. Load balancing, as Knative:
 * unlimited concurrency picks the less loaded of two random sandboxes; container concurrency up to
 * 3 takes the first sandbox with room (keeps the others idle for scale-down); above that, round
 * robin over those with room. A sandbox that failed a connection is skipped for a cool-down.
 *
 * <p>Thread-safe. Grants are delivered outside the lock, on the thread whose action freed the
 * capacity.
 */
final class FunctionThrottler {

  /** A request waiting for capacity. */
  interface Waiter {
    /**
     * {@code lease} is yours: release it exactly once when the request is done with the sandbox.
     */
    void granted(Lease lease);
  }

  /** The queue is at its depth. */
  static final class QueueFullException extends Exception {
    QueueFullException(String message) {
      super(message, null, false, false);
    }
  }

  private final RevisionKey function;
  private final int queueDepth;
  private final LongSupplier nanoTime;
  private final ArrayDeque<Waiter> queue = new ArrayDeque<>();
  private final Map<SandboxEndpoint, PodTracker> trackers = new HashMap<>();
  private List<PodTracker> order = List.of();
  private boolean allUnlimited = true;
  private int maxConcurrency;
  private int next;

  FunctionThrottler(RevisionKey function, int queueDepth, LongSupplier nanoTime) {
    if (queueDepth < 0) {
      throw new IllegalArgumentException("queueDepth must be >= 0");
    }
    this.function = function;
    this.queueDepth = queueDepth;
    this.nanoTime = nanoTime;
  }

  RevisionKey function() {
    return function;
  }

  /**
   * A lease at once if a sandbox has room (and nobody waits before us), else null: {@code waiter}
   * is queued and {@link Waiter#granted} later. {@code front} puts a retried request first and
   * ignores the depth.
   *
   * @throws QueueFullException if the request would have to wait and the queue is full
   */
  Lease acquire(Waiter waiter, boolean front) throws QueueFullException {
    synchronized (this) {
      if (queue.isEmpty() || front) {
        PodTracker t = pick();
        if (t != null) {
          t.inFlight++;
          return new Lease(t);
        }
      }
      if (front) {
        queue.addFirst(waiter);
      } else if (queue.size() >= queueDepth) {
        throw new QueueFullException(
            queue.size() + " requests of " + function + " are waiting (the most allowed)");
      } else {
        queue.addLast(waiter);
      }
      return null;
    }
  }

  /** Withdraws a waiting request; true if it was still waiting (so it will never be granted). */
  synchronized boolean cancel(Waiter waiter) {
    return queue.removeFirstOccurrence(waiter);
  }

  /**
   * Replaces the set of ready sandboxes; trackers of sandboxes still ready keep their in-flight
   * counts.
   */
  void update(Set<SandboxEndpoint> ready) {
    List<Runnable> grants;
    synchronized (this) {
      trackers.keySet().retainAll(ready);
      for (SandboxEndpoint e : ready) {
        trackers.computeIfAbsent(e, PodTracker::new);
      }
      List<PodTracker> sorted = new ArrayList<>(trackers.values());
      sorted.sort(
          Comparator.comparing((PodTracker t) -> t.endpoint.pod())
              .thenComparing(t -> t.endpoint.port()));
      order = List.copyOf(sorted);
      allUnlimited = order.stream().allMatch(t -> t.endpoint.unlimited());
      maxConcurrency =
          order.stream().mapToInt(t -> t.endpoint.containerConcurrency()).max().orElse(0);
      grants = drain();
    }
    grants.forEach(Runnable::run);
  }

  /**
   * Skips {@code tracker} for {@code coolDown} (it refused a connection); call {@link #dispatch}
   * after it.
   */
  synchronized void markUnhealthy(PodTracker tracker, Duration coolDown) {
    tracker.unhealthyUntil = nanoTime.getAsLong() + coolDown.toNanos();
  }

  /** Grants waiting requests whatever capacity there is. */
  void dispatch() {
    List<Runnable> grants;
    synchronized (this) {
      grants = drain();
    }
    grants.forEach(Runnable::run);
  }

  /** Removes and returns every waiting request (they will never be granted). */
  synchronized List<Waiter> drainWaiting() {
    List<Waiter> all = new ArrayList<>(queue);
    queue.clear();
    return all;
  }

  /** Requests waiting now. */
  synchronized int waiting() {
    return queue.size();
  }

  /** Requests holding a lease now. */
  synchronized int inFlight() {
    return order.stream().mapToInt(t -> t.inFlight).sum();
  }

  /** True if no sandbox is ready. */
  synchronized boolean noSandbox() {
    return order.isEmpty();
  }

  /** The ready sandboxes. */
  synchronized List<SandboxEndpoint> sandboxes() {
    return order.stream().map(t -> t.endpoint).toList();
  }

  private void release(PodTracker tracker) {
    List<Runnable> grants;
    synchronized (this) {
      tracker.inFlight--;
      grants = drain();
    }
    grants.forEach(Runnable::run);
  }

  private List<Runnable> drain() {
    List<Runnable> grants = new ArrayList<>();
    while (!queue.isEmpty()) {
      PodTracker t = pick();
      if (t == null) {
        break;
      }
      Waiter w = queue.pollFirst();
      t.inFlight++;
      Lease lease = new Lease(t);
      grants.add(() -> w.granted(lease));
    }
    return grants;
  }

  private PodTracker pick() {
    int n = order.size();
    if (n == 0) {
      return null;
    }
    long now = nanoTime.getAsLong();
    if (allUnlimited) {
      List<PodTracker> healthy = new ArrayList<>(n);
      for (PodTracker t : order) {
        if (t.healthy(now)) {
          healthy.add(t);
        }
      }
      if (healthy.size() <= 1) {
        return healthy.isEmpty() ? null : healthy.get(0);
      }
      ThreadLocalRandom r = ThreadLocalRandom.current();
      int i = r.nextInt(healthy.size());
      int j = r.nextInt(healthy.size() - 1);
      if (j >= i) {
        j++;
      }
      PodTracker a = healthy.get(i);
      PodTracker b = healthy.get(j);
      return b.inFlight < a.inFlight ? b : a;
    }
    if (maxConcurrency <= 3) {
      for (PodTracker t : order) {
        if (t.available(now)) {
          return t;
        }
      }
      return null;
    }
    for (int k = 0; k < n; k++) {
      int idx = (next + k) % n;
      PodTracker t = order.get(idx);
      if (t.available(now)) {
        next = (idx + 1) % n;
        return t;
      }
    }
    return null;
  }

  /** One ready sandbox and the requests in flight to it. Guarded by the throttler's lock. */
  static final class PodTracker {
    final SandboxEndpoint endpoint;
    int inFlight;
    long unhealthyUntil = Long.MIN_VALUE;

    PodTracker(SandboxEndpoint endpoint) {
      this.endpoint = endpoint;
    }

    boolean healthy(long now) {
      return unhealthyUntil == Long.MIN_VALUE || now - unhealthyUntil >= 0;
    }

    boolean available(long now) {
      return healthy(now) && (endpoint.unlimited() || inFlight < endpoint.containerConcurrency());
    }
  }

  /** The right to send one request to one sandbox. */
  final class Lease {
    private final PodTracker tracker;
    private final AtomicBoolean released = new AtomicBoolean();

    private Lease(PodTracker tracker) {
      this.tracker = tracker;
    }

    SandboxEndpoint endpoint() {
      return tracker.endpoint;
    }

    PodTracker tracker() {
      return tracker;
    }

    FunctionThrottler throttler() {
      return FunctionThrottler.this;
    }

    /** Gives the capacity back (idempotent) and grants it to the next waiting request, if any. */
    void release() {
      if (released.compareAndSet(false, true)) {
        FunctionThrottler.this.release(tracker);
      }
    }
  }
}
