package io.kubedirect.examples.bench;

import io.kubedirect.examples.faas.http.HttpResponses;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code clients} HTTP clients that each send one request to {@code url}, wait for its answer, and
 * send the next, until {@link #stop()}. Each request carries a unique body ({@code <name>-<n>});
 * every answer is recorded with the time it arrived, so a test can check that each request got
 * exactly one answer, and when. The benchmarks' pods workload and the chain ITs drive the chain
 * with it.
 */
public final class ClosedLoopLoad implements AutoCloseable {

  /** One answered request. */
  public record Answer(
      String body,
      int status,
      String responseBody,
      String pod,
      long sentNanos,
      long answeredNanos) {
    /** A 200 whose body echoes the request's. */
    public boolean ok() {
      return status == 200 && body.equals(responseBody);
    }
  }

  private final HttpClient http;
  private final URI url;
  private final String name;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final AtomicInteger sent = new AtomicInteger();
  private final ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
  private final List<CompletableFuture<Void>> clients = new ArrayList<>();
  private final long startNanos = System.nanoTime();
  private final Object answeredSignal = new Object();

  private ClosedLoopLoad(HttpClient http, URI url, String name, int clients) {
    this.http = http;
    this.url = url;
    this.name = name;
    for (int i = 0; i < clients; i++) {
      CompletableFuture<Void> done = new CompletableFuture<>();
      this.clients.add(done);
      next(done);
    }
  }

  /** Starts {@code clients} closed-loop clients against {@code url}. */
  public static ClosedLoopLoad start(HttpClient http, URI url, String name, int clients) {
    return new ClosedLoopLoad(http, url, name, clients);
  }

  private void next(CompletableFuture<Void> done) {
    if (!running.get()) {
      done.complete(null);
      return;
    }
    String body = name + "-" + sent.getAndIncrement();
    long sentAt = System.nanoTime();
    http.sendAsync(
            HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(120))
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .whenComplete(
            (r, e) -> {
              if (e != null) {
                answers.add(
                    new Answer(body, -1, String.valueOf(e), null, sentAt, System.nanoTime()));
              } else {
                answers.add(
                    new Answer(
                        body,
                        r.statusCode(),
                        r.body(),
                        r.headers().firstValue(HttpResponses.POD_HEADER).orElse(null),
                        sentAt,
                        System.nanoTime()));
              }
              synchronized (answeredSignal) {
                answeredSignal.notifyAll();
              }
              next(done);
            });
  }

  /** Requests sent so far. */
  public int sent() {
    return sent.get();
  }

  /** Answers so far. */
  public List<Answer> answers() {
    return List.copyOf(answers);
  }

  /** Waits until the next answer arrives, at most {@code max}. */
  public void awaitAnswer(Duration max) throws InterruptedException {
    synchronized (answeredSignal) {
      answeredSignal.wait(Math.max(1, max.toMillis()));
    }
  }

  /** Answers (any status) so far. */
  public int answered() {
    return answers.size();
  }

  /** Successful answers so far. */
  public long ok() {
    return answers.stream().filter(Answer::ok).count();
  }

  /** When the load started ({@link System#nanoTime()}). */
  public long startNanos() {
    return startNanos;
  }

  /**
   * Requests answered (200) and the distinct pods that answered them, per {@code bucketMillis}
   * since the start: {@code "0.0s 3/1 0.5s 12/2 ..."} (answers/pods).
   */
  public String timeline(long bucketMillis) {
    TreeMap<Long, Set<String>> pods = new TreeMap<>();
    TreeMap<Long, Integer> counts = new TreeMap<>();
    for (Answer a : answers) {
      if (a.ok()) {
        long bucket = (a.answeredNanos() - startNanos) / 1_000_000 / bucketMillis;
        counts.merge(bucket, 1, Integer::sum);
        pods.computeIfAbsent(bucket, b -> new HashSet<>()).add(a.pod());
      }
    }
    StringBuilder sb = new StringBuilder();
    if (counts.isEmpty()) {
      return "";
    }
    for (long b = 0; b <= counts.lastKey(); b++) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%.1fs %d/%d  ",
              b * bucketMillis / 1000.0,
              counts.getOrDefault(b, 0),
              pods.getOrDefault(b, Set.of()).size()));
    }
    return sb.toString().trim();
  }

  /** Stops sending and waits for the answers of the requests in flight; returns every answer. */
  public List<Answer> stop() throws Exception {
    running.set(false);
    CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(150, TimeUnit.SECONDS);
    return answers();
  }

  @Override
  public void close() {
    running.set(false);
  }
}
