package io.kubedirect.transport.inmemory;

import io.kubedirect.transport.TaskScheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-threaded, virtual-time {@link TaskScheduler} for deterministic tests and the simulation.
 *
 * <p>Tasks wait in a priority queue ordered by (due time, seeded tie-breaker, submission order).
 * Tasks due at the same virtual instant therefore run in an order picked by the seed: different
 * seeds explore different interleavings, and one seed replays exactly. Nothing runs until the test
 * drives the clock with {@link #runUntilIdle()}, {@link #runFor(Duration)}, {@link
 * #advanceTo(long)} or {@link #runUntil}; tasks run on the calling thread. A task that throws is
 * logged and recorded in {@link #errors()}; the run goes on.
 *
 * <p>{@link #newScope()} gives a view whose pending tasks can all be dropped at once, which is how
 * the simulation models a process crash (its timers die with it).
 */
public final class DeterministicTaskScheduler implements TaskScheduler {

  private static final Logger log = LoggerFactory.getLogger(DeterministicTaskScheduler.class);

  /** Virtual time starts here, not at 0, so that code treating 0 as "unset" is not fooled. */
  public static final long START_NANOS = 1_000_000_000L;

  private final long seed;
  private final Random random;
  private final long maxTasksPerRun;
  private long maxTasksPerInstant = 1_000_000L;
  private long tasksThisInstant;
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private final List<Throwable> errors = new ArrayList<>();
  private long now = START_NANOS;
  private long submitted;
  private long executed;
  private int live;
  private boolean running;

  /**
   * A scheduler with the given seed and a limit of 10 million tasks per {@link #runUntilIdle()}.
   */
  public DeterministicTaskScheduler(long seed) {
    this(seed, 10_000_000L);
  }

  /**
   * A scheduler with the given seed.
   *
   * @param maxTasksPerRun how many tasks {@link #runUntilIdle()} may run before it decides that
   *     something reschedules itself forever and throws
   */
  public DeterministicTaskScheduler(long seed, long maxTasksPerRun) {
    if (maxTasksPerRun <= 0) {
      throw new IllegalArgumentException("maxTasksPerRun must be positive");
    }
    this.seed = seed;
    this.random = new Random(seed);
    this.maxTasksPerRun = maxTasksPerRun;
  }

  /**
   * Sets how many tasks may run at one virtual instant before the scheduler declares a livelock
   * (tasks that keep scheduling each other without delay) and throws {@link IllegalStateException}
   * from the running method. Default one million.
   */
  public synchronized DeterministicTaskScheduler maxTasksPerInstant(long max) {
    if (max <= 0) {
      throw new IllegalArgumentException("max must be positive");
    }
    this.maxTasksPerInstant = max;
    return this;
  }

  /** The seed this scheduler was created with. */
  public long seed() {
    return seed;
  }

  /**
   * A new {@link Random} derived from this scheduler's seed; each call yields a different, but
   * reproducible, stream. Give one to each component that needs randomness.
   */
  public synchronized Random newRandom() {
    return new Random(random.nextLong());
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public void execute(Runnable task) {
    schedule(task, Duration.ZERO);
  }

  @Override
  public synchronized Cancellable schedule(Runnable task, Duration delay) {
    Objects.requireNonNull(task, "task");
    long delayNanos = delay == null || delay.isNegative() ? 0 : saturatedNanos(delay);
    long due = delayNanos > Long.MAX_VALUE - now ? Long.MAX_VALUE : now + delayNanos;
    Task t = new Task(due, random.nextLong(), submitted++, task);
    queue.add(t);
    live++;
    return () -> cancel(t);
  }

  private synchronized void cancel(Task t) {
    if (!t.cancelled && !t.done) {
      t.cancelled = true;
      live--;
    }
  }

  /** Tasks waiting to run (not cancelled). */
  public synchronized int pendingTasks() {
    return live;
  }

  /** Tasks run so far. */
  public synchronized long tasksExecuted() {
    return executed;
  }

  /** The due time of the next task, or -1 when idle. */
  public synchronized long nextDueNanos() {
    Task t = peekLive();
    return t == null ? -1 : t.due;
  }

  /** Exceptions thrown by tasks so far, oldest first. */
  public synchronized List<Throwable> errors() {
    return Collections.unmodifiableList(new ArrayList<>(errors));
  }

  /**
   * Runs tasks, advancing virtual time as needed, until none is pending.
   *
   * @return how many tasks ran
   * @throws IllegalStateException if more than {@code maxTasksPerRun} tasks ran (a task that keeps
   *     rescheduling itself never lets the scheduler become idle: use {@link #runFor} then)
   */
  public long runUntilIdle() {
    enter();
    long ran = 0;
    try {
      while (runNext(Long.MAX_VALUE)) {
        if (++ran > maxTasksPerRun) {
          throw new IllegalStateException(
              "not idle after "
                  + maxTasksPerRun
                  + " tasks at t="
                  + nanoTime()
                  + "ns; does a task reschedule itself forever?");
        }
      }
    } finally {
      exit();
    }
    return ran;
  }

  /**
   * Runs every task due within {@code duration} from now, then sets the clock to now + duration.
   */
  public long runFor(Duration duration) {
    if (duration.isNegative()) {
      throw new IllegalArgumentException("negative duration " + duration);
    }
    return advanceTo(saturatedAdd(nanoTime(), saturatedNanos(duration)));
  }

  /**
   * Runs every task due at or before {@code nanos} (virtual), then sets the clock to {@code nanos}
   * if it is later than the current time.
   *
   * @return how many tasks ran
   */
  public long advanceTo(long nanos) {
    enter();
    long ran = 0;
    try {
      while (runNext(nanos)) {
        ran++;
      }
      synchronized (this) {
        if (nanos > now) {
          now = nanos;
          tasksThisInstant = 0;
        }
      }
    } finally {
      exit();
    }
    return ran;
  }

  /**
   * Runs tasks until {@code condition} holds (checked before the first task and after each one) or
   * the clock passes now + {@code maxDuration}.
   *
   * @return whether the condition holds
   */
  public boolean runUntil(BooleanSupplier condition, Duration maxDuration) {
    long deadline = saturatedAdd(nanoTime(), saturatedNanos(maxDuration));
    if (condition.getAsBoolean()) {
      return true;
    }
    enter();
    try {
      while (runNext(deadline)) {
        if (condition.getAsBoolean()) {
          return true;
        }
      }
      synchronized (this) {
        if (deadline > now) {
          now = deadline;
          tasksThisInstant = 0;
        }
      }
    } finally {
      exit();
    }
    return condition.getAsBoolean();
  }

  /** A view of this scheduler whose tasks can all be dropped at once with {@link Scope#close()}. */
  public Scope newScope() {
    return new Scope(this);
  }

  private synchronized void enter() {
    if (running) {
      throw new IllegalStateException(
          "the scheduler is already running (called from inside a task?)");
    }
    running = true;
  }

  private synchronized void exit() {
    running = false;
  }

  /** Runs the next live task due at or before {@code limit}; false if there is none. */
  private boolean runNext(long limit) {
    Task t;
    synchronized (this) {
      t = peekLive();
      if (t == null || t.due > limit) {
        return false;
      }
      if (t.due > now) {
        now = t.due;
        tasksThisInstant = 0;
      } else if (++tasksThisInstant > maxTasksPerInstant) {
        throw new IllegalStateException(
            "livelock: more than "
                + maxTasksPerInstant
                + " tasks ran at virtual time "
                + now
                + "ns without the clock advancing (seed "
                + seed
                + ")");
      }
      queue.poll();
      t.done = true;
      live--;
      executed++;
    }
    try {
      t.runnable.run();
    } catch (
        Throwable e) { // a failing task must not stop the simulation; the test inspects errors()
      log.error("task failed at t={}ns (seed {})", t.due, seed, e);
      synchronized (this) {
        errors.add(e);
      }
    }
    return true;
  }

  private Task peekLive() {
    Task t = queue.peek();
    while (t != null && t.cancelled) {
      queue.poll();
      t = queue.peek();
    }
    return t;
  }

  private static long saturatedNanos(Duration d) {
    try {
      return d.toNanos();
    } catch (ArithmeticException e) {
      return Long.MAX_VALUE;
    }
  }

  private static long saturatedAdd(long a, long b) {
    return b > Long.MAX_VALUE - a ? Long.MAX_VALUE : a + b;
  }

  private static final class Task implements Comparable<Task> {
    final long due;
    final long tieBreak;
    final long order;
    final Runnable runnable;
    boolean cancelled;
    boolean done;

    Task(long due, long tieBreak, long order, Runnable runnable) {
      this.due = due;
      this.tieBreak = tieBreak;
      this.order = order;
      this.runnable = runnable;
    }

    @Override
    public int compareTo(Task o) {
      int c = Long.compare(due, o.due);
      if (c != 0) {
        return c;
      }
      c = Long.compare(tieBreak, o.tieBreak);
      return c != 0 ? c : Long.compare(order, o.order);
    }
  }

  /**
   * A {@link TaskScheduler} view of a {@link DeterministicTaskScheduler} that can be shut down:
   * after {@link #close()}, its pending tasks never run and new ones are ignored. Models the timers
   * of a process that crashes.
   */
  public static final class Scope implements TaskScheduler, AutoCloseable {
    private final DeterministicTaskScheduler parent;
    private final java.util.Set<Cancellable> pending = new java.util.LinkedHashSet<>();
    private boolean closed;

    private Scope(DeterministicTaskScheduler parent) {
      this.parent = parent;
    }

    @Override
    public long nanoTime() {
      return parent.nanoTime();
    }

    @Override
    public void execute(Runnable task) {
      schedule(task, Duration.ZERO);
    }

    @Override
    public Cancellable schedule(Runnable task, Duration delay) {
      Objects.requireNonNull(task, "task");
      synchronized (this) {
        if (closed) {
          return () -> {};
        }
        Cancellable[] self = new Cancellable[1];
        Cancellable inner =
            parent.schedule(
                () -> {
                  synchronized (this) {
                    if (closed) {
                      return;
                    }
                    pending.remove(self[0]);
                  }
                  task.run();
                },
                delay);
        self[0] = inner;
        pending.add(inner);
        return () -> {
          synchronized (this) {
            pending.remove(inner);
          }
          inner.cancel();
        };
      }
    }

    /** Whether {@link #close()} was called. */
    public synchronized boolean isClosed() {
      return closed;
    }

    /** Tasks of this scope still waiting. */
    public synchronized int pendingTasks() {
      return pending.size();
    }

    /** Drops every pending task of this scope and ignores later ones. Idempotent. */
    @Override
    public void close() {
      List<Cancellable> toCancel;
      synchronized (this) {
        closed = true;
        toCancel = new ArrayList<>(pending);
        pending.clear();
      }
      toCancel.forEach(Cancellable::cancel);
    }
  }
}
