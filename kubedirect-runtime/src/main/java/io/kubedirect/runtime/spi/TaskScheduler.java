package io.kubedirect.runtime.spi;

import java.time.Duration;

/**
 * Time and task execution for the engine. Every timer, retry and background task of the runtime goes
 * through one of these, so that the simulation can run the engine on a seeded, virtual-time scheduler.
 */
public interface TaskScheduler {

  /** Monotonic time in nanoseconds (virtual in the simulation). */
  long nanoTime();

  /** Runs {@code task} soon, on a scheduler thread. */
  void execute(Runnable task);

  /** Runs {@code task} once after {@code delay}; the returned handle cancels it if it has not run. */
  Cancellable schedule(Runnable task, Duration delay);

  /** A scheduled task that can still be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
