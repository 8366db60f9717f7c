package io.kubedirect.transport;

import java.time.Duration;

/**
 * Time and task execution for the engine and the in-memory transport. Every timer, retry and
 * background task of the runtime goes through one of these, so that the simulation can run the
 * engine and its links on one seeded, virtual-time scheduler ({@code DeterministicTaskScheduler},
 * module kubedirect-transport-inmemory). It lives next to the transport SPI, like {@link
 * BackoffPolicy}, because both the runtime and transports use it; the production implementation is
 * the runtime's {@code ExecutorServiceTaskScheduler}.
 */
public interface TaskScheduler {

  /** Monotonic time in nanoseconds (virtual in the simulation). */
  long nanoTime();

  /** Runs {@code task} soon, on a scheduler thread. */
  void execute(Runnable task);

  /**
   * Runs {@code task} once after {@code delay}; the returned handle cancels it if it has not run.
   */
  Cancellable schedule(Runnable task, Duration delay);

  /** A scheduled task that can still be cancelled. */
  @FunctionalInterface
  interface Cancellable {
    void cancel();
  }
}
