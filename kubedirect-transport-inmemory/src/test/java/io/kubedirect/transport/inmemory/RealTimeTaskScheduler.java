package io.kubedirect.transport.inmemory;

import io.kubedirect.transport.TaskScheduler;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real-time {@link TaskScheduler} for the tests of this module, which cannot use the runtime's
 * {@code ExecutorServiceTaskScheduler} (this module must not depend on the runtime).
 */
final class RealTimeTaskScheduler implements TaskScheduler, AutoCloseable {

  private final ScheduledThreadPoolExecutor executor;

  RealTimeTaskScheduler(String name, int threads) {
    AtomicInteger n = new AtomicInteger();
    executor =
        new ScheduledThreadPoolExecutor(
            threads,
            r -> {
              Thread t = new Thread(r, name + "-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    executor.setRemoveOnCancelPolicy(true);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void execute(Runnable task) {
    if (!executor.isShutdown()) {
      executor.execute(task);
    }
  }

  @Override
  public Cancellable schedule(Runnable task, Duration delay) {
    if (executor.isShutdown()) {
      return () -> {};
    }
    ScheduledFuture<?> f = executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
