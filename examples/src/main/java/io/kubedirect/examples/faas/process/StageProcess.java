package io.kubedirect.examples.faas.process;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.StageMain;
import io.kubedirect.examples.faas.common.StageTimeLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One stage of a {@link ProcessChain}: a {@code StageMain} JVM started with a fixed command line
 * (so a restart comes back at the same addresses), its output appended to a log file, its probes
 * and metrics on a loopback port.
 */
public final class StageProcess {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final List<String> command;
  private final Path log;
  private final int metricsPort;
  private Process process;

  StageProcess(String name, List<String> command, Path log, int metricsPort) {
    this.name = Objects.requireNonNull(name, "name");
    this.command = List.copyOf(command);
    this.log = Objects.requireNonNull(log, "log");
    this.metricsPort = metricsPort;
  }

  /** The stage's name ({@code scheduler}, ...). */
  public String name() {
    return name;
  }

  /** The command line. */
  public List<String> command() {
    return command;
  }

  /** The file the process's output is appended to. */
  public Path log() {
    return log;
  }

  /** Base URI of {@code /metrics}, {@code /healthz} and {@code /readyz}. */
  public URI metricsUri() {
    return URI.create("http://127.0.0.1:" + metricsPort);
  }

  /**
   * Starts the process (again, after {@link #stop} or {@link #kill}).
   *
   * @throws IllegalStateException if it is running
   */
  public synchronized void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is running");
    }
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + name, e);
    }
  }

  /** The running (or last) process, if started. */
  public synchronized Optional<ProcessHandle> handle() {
    return Optional.ofNullable(process).map(Process::toHandle);
  }

  /** The exit code of the last process, or -1 while it runs or if never started. */
  public synchronized int exitCode() {
    return process == null || process.isAlive() ? -1 : process.exitValue();
  }

  /** Whether the process runs. */
  public synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** Whether {@code /readyz} answers 200. */
  public boolean isReady() {
    return isAlive() && get("/readyz").map(r -> r.statusCode() == 200).orElse(false);
  }

  /** Waits until {@code /readyz} answers 200; fails early if the process exits. */
  public void awaitReady(Duration timeout) {
    await(name + " ready (log: " + log + ")")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(250))
        .until(
            () -> {
              if (!isAlive()) {
                throw new IllegalStateException(name + " exited; see " + log);
              }
              return isReady();
            });
  }

  /** The text of {@code /metrics} (Prometheus format), empty if it does not answer. */
  public String metrics() {
    return get("/metrics").map(HttpResponse::body).orElse("");
  }

  /**
   * The stage's reconcile start times and the autoscaler's scale changes ({@code /stage-times}), on
   * this JVM's {@link System#nanoTime()} clock. Processes on one Linux host share it ({@code
   * CLOCK_MONOTONIC}); should the process's clock differ by more than the request's round trip, the
   * times are shifted by the difference measured around the request.
   *
   * @throws IllegalStateException if the process does not answer with a stage-times document
   */
  public StageTimeLog.Snapshot stageTimes() {
    long before = System.nanoTime();
    Optional<HttpResponse<String>> r = get(StageMain.STAGE_TIMES_PATH);
    long after = System.nanoTime();
    if (r.isEmpty() || r.get().statusCode() != 200) {
      throw new IllegalStateException(
          name
              + " did not serve "
              + StageMain.STAGE_TIMES_PATH
              + r.map(x -> " (HTTP " + x.statusCode() + ")").orElse(" (no answer)"));
    }
    StageTimeLog.Snapshot s = StageTimeLog.Snapshot.fromJson(r.get().body());
    long offset = before + (after - before) / 2 - s.nanoTime();
    return Math.abs(offset) > after - before ? s.shifted(offset) : s;
  }

  /**
   * Asks the process to stop (SIGTERM: the stage stops and hands its work over cleanly) and waits
   * up to {@code timeout}, then kills it.
   *
   * @return the exit code (143 after a clean SIGTERM: 128 + 15), or -1 if it was not running
   */
  public int stop(Duration timeout) {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null) {
      return -1;
    }
    p.destroy();
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
    }
    return p.isAlive() ? -1 : p.exitValue();
  }

  /**
   * Kills the process (SIGKILL: memory dropped, nothing handed over) and waits for it.
   *
   * @return the exit code (137), or -1 if it was not running
   */
  public int kill() {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null) {
      return -1;
    }
    p.destroyForcibly();
    try {
      return p.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private Optional<HttpResponse<String>> get(String path) {
    try {
      return Optional.of(
          HTTP.send(
              HttpRequest.newBuilder(metricsUri().resolve(path))
                  .timeout(Duration.ofSeconds(5))
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return name + handle().map(h -> " (pid " + h.pid() + ")").orElse("");
  }
}
