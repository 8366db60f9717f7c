package io.kubedirect.examples.faas.common;

/**
 * Lifecycle of one stage of the example slice, so a demo or test can run all stages in one JVM and
 * kill or restart any of them. {@link #stop()} drops every bit of in-memory state; a later {@link
 * #start()} begins from scratch, as a restarted process would.
 */
public interface SliceStage extends AutoCloseable {

  /** Starts informers and workers; returns once they are running (not necessarily synced). */
  void start();

  /** Stops informers and workers and forgets all in-memory state. Idempotent. */
  void stop();

  /** True between {@link #start()} and {@link #stop()}. */
  boolean isRunning();

  /**
   * True once the stage is running and its informers have synced (it acts on a complete view); for
   * a standby replica of an elected stage, true once it runs (it acts on nothing).
   */
  boolean hasSynced();

  /**
   * Whether this instance runs the stage's controller now: true while it runs, unless the stage
   * elects a leader among replicas and this replica does not hold the Lease.
   */
  default boolean isLeader() {
    return isRunning();
  }

  /** Same as {@link #stop()}. */
  @Override
  default void close() {
    stop();
  }
}
