package io.kubedirect.transport.inmemory;

import io.kubedirect.transport.TaskScheduler;
import java.util.ArrayDeque;

/**
 * Runs posted callbacks one at a time and in order on a {@link TaskScheduler}, one callback per
 * scheduler task (so that a deterministic scheduler can interleave other work between them).
 */
final class SerialExecutor {

  private final TaskScheduler scheduler;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean scheduled;

  SerialExecutor(TaskScheduler scheduler) {
    this.scheduler = scheduler;
  }

  void post(Runnable r) {
    synchronized (this) {
      queue.addLast(r);
      if (scheduled) {
        return;
      }
      scheduled = true;
    }
    scheduler.execute(this::runOne);
  }

  private void runOne() {
    Runnable r;
    synchronized (this) {
      r = queue.pollFirst();
    }
    try {
      if (r != null) {
        r.run();
      }
    } finally {
      boolean more;
      synchronized (this) {
        more = !queue.isEmpty();
        scheduled = more;
      }
      if (more) {
        scheduler.execute(this::runOne);
      }
    }
  }
}
