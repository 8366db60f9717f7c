package io.kubedirect.api;

import java.time.Duration;
import java.util.Objects;

/**
 * When a stage writes the objects of one kind back to the API Server.
 *
 * <ul>
 *   <li>{@link #EAGER}: persist as soon as possible (the tail stage, e.g. the sandbox manager for
 *       pods).
 *   <li>{@link #lazy(Duration)}: intermediate desired state (Deployment scale, ReplicaSet
 *       replicas): the object travels over the direct link at once and is written back after {@code
 *       coalesce}, with every change made in the meantime folded into one write per object, so that
 *       kubectl converges.
 *   <li>{@link #NONE}: never written back by this stage (a later stage persists it).
 *   <li>{@link #EXPOSE_ON_RECEIPT}: tail stage only, opt-in: like {@link #EAGER}, and in addition a
 *       newly received object is created in the persisted store at once, in parallel with the
 *       stage's work.
 * </ul>
 */
public final class WriteBackPolicy {

  /** Kind of policy. */
  public enum Mode {
    /** Write back immediately. */
    EAGER,
    /** Write back after a coalescing delay. */
    LAZY,
    /** Never write back. */
    NONE,
    /** Write back immediately, and create newly received objects on receipt. */
    EXPOSE_ON_RECEIPT
  }

  /** Persist as soon as possible. */
  public static final WriteBackPolicy EAGER = new WriteBackPolicy(Mode.EAGER, Duration.ZERO);

  /**
   * Tail stage only (a kind the stage receives and does not emit; elsewhere it acts as {@link
   * #EAGER}): a newly received object is created in the persisted store at once, asynchronously and
   * in parallel with the stage's own work (the paper's kubelet "exposes" a pod on first sight); the
   * stage's later {@code updateStatus} then finds it persisted and writes only the status. Writes
   * are scheduled like {@link #EAGER}.
   */
  public static final WriteBackPolicy EXPOSE_ON_RECEIPT =
      new WriteBackPolicy(Mode.EXPOSE_ON_RECEIPT, Duration.ZERO);

  /** Never write back from this stage. */
  public static final WriteBackPolicy NONE = new WriteBackPolicy(Mode.NONE, Duration.ZERO);

  private final Mode mode;
  private final Duration coalesce;

  private WriteBackPolicy(Mode mode, Duration coalesce) {
    this.mode = mode;
    this.coalesce = coalesce;
  }

  /**
   * Lazy, coalesced write-back.
   *
   * @param coalesce how long to wait after the first unpersisted change of an object; not negative
   */
  public static WriteBackPolicy lazy(Duration coalesce) {
    Objects.requireNonNull(coalesce, "coalesce");
    if (coalesce.isNegative()) {
      throw new IllegalArgumentException("coalesce must not be negative: " + coalesce);
    }
    return new WriteBackPolicy(Mode.LAZY, coalesce);
  }

  /** The mode. */
  public Mode mode() {
    return mode;
  }

  /** The coalescing delay (zero unless {@link Mode#LAZY}). */
  public Duration coalesce() {
    return coalesce;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof WriteBackPolicy p && p.mode == mode && p.coalesce.equals(coalesce);
  }

  @Override
  public int hashCode() {
    return Objects.hash(mode, coalesce);
  }

  @Override
  public String toString() {
    return mode == Mode.LAZY ? "LAZY(" + coalesce + ")" : mode.name();
  }
}
