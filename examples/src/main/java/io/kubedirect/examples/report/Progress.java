package io.kubedirect.examples.report;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on the terminal (standard error) that follows a counter, e.g. pods Ready of a
 * burst: it polls {@code done} until closed. Output is one line, redrawn; nothing else should write
 * to the terminal meanwhile (the demo sends its logs to a file).
 */
public final class Progress implements AutoCloseable {

  private final ProgressBar bar;
  private final ScheduledExecutorService poller;
  private final LongSupplier done;
  private final Supplier<String> extra;

  private Progress(
      String task, long total, LongSupplier done, Supplier<String> extra, Duration every) {
    this.done = done;
    this.extra = extra;
    this.bar =
        new ProgressBarBuilder()
            .setTaskName(task)
            .setInitialMax(total)
            .setStyle(ProgressBarStyle.ASCII)
            .setUpdateIntervalMillis((int) every.toMillis())
            .setConsumer(new ConsoleProgressBarConsumer(System.err))
            .showSpeed()
            .build();
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "progress-" + task);
              t.setDaemon(true);
              return t;
            });
    poller.scheduleAtFixedRate(this::update, 0, every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts a bar for {@code task} that shows {@code done} out of {@code total}, redrawn every 200
   * ms.
   */
  public static Progress follow(String task, long total, LongSupplier done) {
    return new Progress(task, total, done, () -> "", Duration.ofMillis(200));
  }

  /**
   * Like {@link #follow(String, long, LongSupplier)}, with the text {@code extra} supplies shown
   * after the bar (e.g. the other counters of the run).
   */
  public static Progress follow(
      String task, long total, LongSupplier done, Supplier<String> extra) {
    return new Progress(task, total, done, extra, Duration.ofMillis(200));
  }

  private void update() {
    bar.stepTo(Math.min(done.getAsLong(), bar.getMax()));
    bar.setExtraMessage(extra.get());
  }

  /** Shows the final count and ends the line. */
  @Override
  public void close() {
    poller.shutdownNow();
    update();
    bar.close();
  }
}
