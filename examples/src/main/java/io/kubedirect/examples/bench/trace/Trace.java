package io.kubedirect.examples.bench.trace;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * A generated (or read) trace: its functions and their invocations in time order.
 *
 * <p>CSV form ({@link #write}, {@link #read}): a first line {@code # kubedirect-trace v1 key=value
 * ...} with the {@link TraceSpec}, a header {@code at_ms,function,execution_ms}, then one row per
 * invocation in time order ({@code at_ms}: milliseconds after the trace's start).
 *
 * @param spec what the trace was generated from
 * @param functions the functions with at least one invocation, sorted by name (all of the spec's in
 *     a generated trace)
 * @param invocations every invocation, sorted by time (then function)
 */
public record Trace(TraceSpec spec, List<Function> functions, List<Invocation> invocations) {

  /**
   * One function: a DNS-label name and its execution time (the service time of its sandboxes).
   *
   * @param name the function's name (its Deployment's name)
   * @param executionMs how long one invocation runs
   */
  public record Function(String name, int executionMs) {}

  /**
   * One invocation.
   *
   * @param atMs when it is due, in milliseconds after the trace's start
   * @param function the function's name
   * @param executionMs the function's execution time
   */
  public record Invocation(long atMs, String function, int executionMs) {}

  private static final String MAGIC = "# kubedirect-trace v1";
  private static final String HEADER = "at_ms,function,execution_ms";
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** Copies the lists. */
  public Trace {
    functions = List.copyOf(functions);
    invocations = List.copyOf(invocations);
  }

  /** Milliseconds of warm-up at the start (left out of the statistics). */
  public long warmupMs() {
    return spec.warmupMinutes() * 60_000L;
  }

  /** Length of the trace in milliseconds. */
  public long durationMs() {
    return spec.minutes() * 60_000L;
  }

  /** Invocations per function name. */
  public Map<String, Integer> countsPerFunction() {
    Map<String, Integer> counts = new TreeMap<>();
    functions.forEach(f -> counts.put(f.name(), 0));
    invocations.forEach(i -> counts.merge(i.function(), 1, Integer::sum));
    return counts;
  }

  /**
   * The first {@code seconds} of the trace (for quick runs): the invocations due before then, and
   * the functions that have one of them.
   *
   * @throws IllegalArgumentException if {@code seconds} is not positive
   */
  public Trace firstSeconds(int seconds) {
    if (seconds < 1) {
      throw new IllegalArgumentException("seconds must be positive, got " + seconds);
    }
    List<Invocation> kept = invocations.stream().filter(i -> i.atMs() < seconds * 1000L).toList();
    java.util.Set<String> names = new java.util.HashSet<>();
    kept.forEach(i -> names.add(i.function()));
    return new Trace(spec, functions.stream().filter(f -> names.contains(f.name())).toList(), kept);
  }

  /** Writes the trace as CSV to {@code file} (parent directories are created). */
  public void write(Path file) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      StringBuilder first = new StringBuilder(MAGIC);
      spec.toMap().forEach((k, v) -> first.append(' ').append(k).append('=').append(v));
      w.write(first.toString());
      w.newLine();
      w.write(HEADER);
      w.newLine();
      for (Invocation i : invocations) {
        w.write(i.atMs() + "," + i.function() + "," + i.executionMs());
        w.newLine();
      }
    }
  }

  /**
   * Reads a trace that {@link #write} wrote.
   *
   * @throws IllegalArgumentException if the file is not such a trace (the message names the line)
   */
  public static Trace read(Path file) throws IOException {
    List<String> lines;
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      lines = r.lines().toList();
    }
    String where = file.toString();
    if (lines.size() < 2 || !lines.get(0).startsWith(MAGIC)) {
      throw new IllegalArgumentException(
          where + ": not a trace (first line must start with '" + MAGIC + "')");
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    for (String kv : lines.get(0).substring(MAGIC.length()).trim().split("\\s+")) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException(where + ":1: expected key=value, got '" + kv + "'");
      }
      pairs.put(kv.substring(0, eq), kv.substring(eq + 1));
    }
    TraceSpec spec;
    try {
      spec = TraceSpec.fromMap(pairs);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + ":1: " + e.getMessage(), e);
    }
    if (!lines.get(1).equals(HEADER)) {
      throw new IllegalArgumentException(where + ":2: expected the header '" + HEADER + "'");
    }
    Map<String, Integer> execution = new TreeMap<>();
    List<Invocation> invocations = new ArrayList<>();
    long last = 0;
    for (int n = 2; n < lines.size(); n++) {
      String line = lines.get(n);
      if (line.isBlank()) {
        continue;
      }
      String at = where + ":" + (n + 1) + ": ";
      String[] cols = line.split(",", -1);
      if (cols.length != 3) {
        throw new IllegalArgumentException(at + "expected 3 columns, got " + cols.length);
      }
      long atMs;
      int exec;
      try {
        atMs = Long.parseLong(cols[0].trim());
        exec = Integer.parseInt(cols[2].trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(at + "malformed number: " + e.getMessage(), e);
      }
      String fn = cols[1].trim();
      if (!NAME.matcher(fn).matches()) {
        throw new IllegalArgumentException(at + "function '" + fn + "' is not a DNS label");
      }
      if (atMs < last || atMs > spec.minutes() * 60_000L) {
        throw new IllegalArgumentException(
            at
                + "at_ms "
                + atMs
                + " is out of order or beyond the trace's "
                + spec.minutes()
                + " minutes");
      }
      if (exec < 0) {
        throw new IllegalArgumentException(at + "negative execution_ms");
      }
      Integer known = execution.putIfAbsent(fn, exec);
      if (known != null && known != exec) {
        throw new IllegalArgumentException(
            at + "function " + fn + " has execution_ms " + exec + " here but " + known + " before");
      }
      last = atMs;
      invocations.add(new Invocation(atMs, fn, exec));
    }
    if (execution.size() > spec.functions()) {
      throw new IllegalArgumentException(
          where
              + ": the spec says "
              + spec.functions()
              + " functions but rows name "
              + execution.size());
    }
    List<Function> functions = new ArrayList<>();
    execution.forEach((name, exec) -> functions.add(new Function(name, exec)));
    return new Trace(spec, functions, invocations);
  }
}
