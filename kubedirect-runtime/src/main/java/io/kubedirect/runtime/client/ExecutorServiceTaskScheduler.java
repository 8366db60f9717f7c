package io.kubedirect.runtime.client;

import io.kubedirect.transport.TaskScheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The production {@link TaskScheduler}: a {@link ScheduledThreadPoolExecutor} of daemon threads.
 */
public final class ExecutorServiceTaskScheduler implements TaskScheduler, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ExecutorServiceTaskScheduler.class);

  private final ScheduledExecutorService executor;

  /** A scheduler with {@code threads} daemon threads named {@code name-N}. */
  public ExecutorServiceTaskScheduler(String name, int threads) {
    AtomicInteger n = new AtomicInteger();
    ScheduledThreadPoolExecutor ex =
        new ScheduledThreadPoolExecutor(
            threads,
            r -> {
              Thread t = new Thread(r, name + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    ex.setRemoveOnCancelPolicy(true);
    this.executor = ex;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void execute(Runnable task) {
    if (!executor.isShutdown()) {
      executor.execute(safe(task));
    }
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    if (executor.isShutdown()) {
      return () -> {};
    }
    ScheduledFuture<?> f = executor.schedule(safe(task), delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  private static Runnable safe(Runnable r) {
    return () -> {
      try {
        r.run();
      } catch (RuntimeException e) {
        log.error("task failed", e);
      }
    };
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
