package io.kubedirect.examples.bench;

import io.kubedirect.testing.controlplane.Component;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * What bounds one benchmark run ({@code --profile}): the API Server's requests by verb and resource
 * with their mean latency and etcd's (from {@code /metrics}, differences over the run), CPU seconds
 * of etcd, kube-apiserver, the benchmark JVM and each stage process against the machine's busy
 * share, and a JFR recording of the benchmark JVM with its hottest methods and threads. Writes
 * {@code profile-<run>.txt} and {@code profile-<run>.jfr}.
 */
final class RunProfiler {

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)\\{([^}]*)}\\s+([0-9.eE+-]+|NaN)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_]+)=\"([^\"]*)\"");
  private static final int TOP = 15;

  /** Digits that number threads (pool-3-thread-2, GC Thread#1), not those of names (C2, G1). */
  private static final String COUNTER = "(?<![A-Za-z])\\d+";

  /** Linux's USER_HZ, the unit of the CPU times in {@code /proc}. */
  private static final int TICKS_PER_SECOND = 100;

  private final BenchChain chain;
  private final Path report;
  private final String run;
  private final Map<String, Double> metricsBefore;
  private final Map<String, Duration> cpuBefore;
  private final long[] machineBefore;
  private final Map<String, Long> threadsBefore;
  private final long startedNanos = System.nanoTime();
  private final Recording recording;

  private RunProfiler(BenchChain chain, Path report, String run) throws IOException {
    this.chain = chain;
    this.report = report;
    this.run = run;
    this.metricsBefore = scrape(chain);
    this.cpuBefore = cpu(chain);
    this.machineBefore = machineTicks();
    this.threadsBefore = threadTicks();
    Recording r;
    try {
      r = new Recording(Configuration.getConfiguration("profile"));
    } catch (java.text.ParseException e) {
      throw new IOException("the JDK's JFR 'profile' settings", e);
    }
    r.setToDisk(true);
    r.start();
    this.recording = r;
  }

  /**
   * Starts profiling {@code run} on {@code chain}; {@link #finish()} writes into {@code report}.
   */
  static RunProfiler start(BenchChain chain, Path report, String run) throws IOException {
    Files.createDirectories(report);
    return new RunProfiler(chain, report, run.replaceAll("[^A-Za-z0-9.-]+", "-"));
  }

  /** Stops, writes the profile and the recording, and returns the profile's path. */
  Path finish() throws IOException {
    Map<String, Double> metricsAfter = scrape(chain);
    Map<String, Duration> cpuAfter = cpu(chain);
    long[] machineAfter = machineTicks();
    Map<String, Long> threadsAfter = threadTicks();
    double seconds = (System.nanoTime() - startedNanos) / 1e9;
    recording.stop();
    Path jfr = report.resolve("profile-" + run + ".jfr");
    recording.dump(jfr);
    recording.close();

    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "profile of %s: %.1f s%n%n", run, seconds));
    out.append(cpuSection(cpuAfter, seconds, machineAfter));
    out.append(threadSection(threadsBefore, threadsAfter, seconds));
    Map<String, Double> delta = delta(metricsBefore, metricsAfter);
    out.append(requestsSection(delta, seconds));
    out.append(etcdSection(delta));
    out.append(jfrSection(jfr));
    Path txt = report.resolve("profile-" + run + ".txt");
    Files.writeString(txt, out);
    return txt;
  }

  private String cpuSection(Map<String, Duration> cpuAfter, double seconds, long[] machineAfter) {
    StringBuilder out = new StringBuilder("CPU during the run (seconds of CPU; % of one core)\n");
    int cores = Runtime.getRuntime().availableProcessors();
    long busy = machineAfter[0] - machineBefore[0];
    long total = machineAfter[1] - machineBefore[1];
    out.append(
        String.format(
            Locale.ROOT,
            "  machine: %d cores, %.0f%% busy (every process, this run's and others)%n",
            cores,
            total == 0 ? 0 : 100.0 * busy / total));
    cpuAfter.forEach(
        (name, after) -> {
          Duration used = after.minus(cpuBefore.getOrDefault(name, Duration.ZERO));
          out.append(
              String.format(
                  Locale.ROOT,
                  "  %-28s %7.1f s  %5.0f%%%n",
                  name,
                  used.toMillis() / 1000.0,
                  100.0 * used.toMillis() / 1000.0 / seconds));
        });
    return out.append('\n').toString();
  }

  /**
   * CPU of the benchmark JVM's threads by name (digits folded), JIT compiler and GC threads
   * included, which JFR's execution samples leave out.
   */
  static String threadSection(Map<String, Long> before, Map<String, Long> after, double seconds) {
    Map<String, Long> byName = new HashMap<>();
    long total = 0;
    for (Map.Entry<String, Long> e : after.entrySet()) {
      long used = e.getValue() - before.getOrDefault(e.getKey(), 0L);
      String name = e.getKey().substring(e.getKey().indexOf(' ') + 1).replaceAll(COUNTER, "N");
      byName.merge(name, used, Long::sum);
      total += used;
    }
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "benchmark JVM threads alive at the end, CPU by name (/proc; %.1f s in all)%n",
                total / (double) TICKS_PER_SECOND));
    long all = Math.max(1, total);
    largest(byName)
        .forEach(
            e ->
                out.append(
                    String.format(
                        Locale.ROOT,
                        "  %-28s %7.1f s  %5.1f%%%n",
                        e.getKey(),
                        e.getValue() / (double) TICKS_PER_SECOND,
                        100.0 * e.getValue() / all)));
    return out.append('\n').toString();
  }

  private static String requestsSection(Map<String, Double> delta, double seconds) {
    Map<String, Double> count = new HashMap<>();
    Map<String, Double> latencySum = new HashMap<>();
    delta.forEach(
        (key, v) -> {
          Sample s = Sample.parse(key);
          String what =
              s.label("verb")
                  + " "
                  + s.label("resource")
                  + (s.label("subresource").isEmpty() ? "" : "/" + s.label("subresource"));
          switch (s.name()) {
            case "apiserver_request_total" -> count.merge(what, v, Double::sum);
            case "apiserver_request_duration_seconds_sum" -> latencySum.merge(what, v, Double::sum);
            default -> {}
          }
        });
    StringBuilder out =
        new StringBuilder("API Server requests during the run (apiserver_request_total,\n");
    out.append("apiserver_request_duration_seconds: mean, excluding WATCH)\n");
    double writes =
        count.entrySet().stream()
            .filter(e -> isWrite(e.getKey()))
            .mapToDouble(Map.Entry::getValue)
            .sum();
    out.append(
        String.format(
            Locale.ROOT, "  writes: %.0f (%.0f/s over the run)%n", writes, writes / seconds));
    appendCountsAndMeans(out, count, latencySum);
    return out.append('\n').toString();
  }

  private static boolean isWrite(String what) {
    return what.startsWith("POST ")
        || what.startsWith("PUT ")
        || what.startsWith("PATCH ")
        || what.startsWith("DELETE ");
  }

  private static String etcdSection(Map<String, Double> delta) {
    Map<String, Double> count = new HashMap<>();
    Map<String, Double> sum = new HashMap<>();
    delta.forEach(
        (key, v) -> {
          Sample s = Sample.parse(key);
          String what = s.label("operation") + " " + s.label("type");
          switch (s.name()) {
            case "etcd_request_duration_seconds_count" -> count.merge(what, v, Double::sum);
            case "etcd_request_duration_seconds_sum" -> sum.merge(what, v, Double::sum);
            default -> {}
          }
        });
    StringBuilder out = new StringBuilder("etcd requests of the API Server during the run\n");
    appendCountsAndMeans(out, count, sum);
    return out.append('\n').toString();
  }

  /**
   * One line per key of the {@link #TOP} largest counts (at least 1) with the mean of {@code
   * sumSeconds} per count in milliseconds (none for watches, which last as long as they are open).
   */
  private static void appendCountsAndMeans(
      StringBuilder out, Map<String, Double> count, Map<String, Double> sumSeconds) {
    count.values().removeIf(v -> v < 1);
    largest(count)
        .forEach(
            e ->
                out.append(
                    String.format(
                        Locale.ROOT,
                        "  %-40s %7.0f  mean %6.1f ms%n",
                        e.getKey(),
                        e.getValue(),
                        e.getKey().startsWith("WATCH")
                            ? Double.NaN
                            : 1000 * sumSeconds.getOrDefault(e.getKey(), 0.0) / e.getValue())));
  }

  private static String jfrSection(Path jfr) throws IOException {
    Map<String, Integer> methods = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    Map<String, Integer> kubedirect = new HashMap<>();
    int samples = 0;
    double gcPauseMs = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
      String type = e.getEventType().getName();
      if (type.equals("jdk.GarbageCollection")) {
        gcPauseMs += e.getDuration("sumOfPauses").toNanos() / 1e6;
      }
      if (!type.equals("jdk.ExecutionSample") || e.getStackTrace() == null) {
        continue;
      }
      samples++;
      List<RecordedFrame> frames = e.getStackTrace().getFrames();
      if (!frames.isEmpty()) {
        methods.merge(frame(frames.get(0)), 1, Integer::sum);
      }
      frames.stream()
          .filter(f -> f.getMethod().getType().getName().startsWith("io.kubedirect."))
          .findFirst()
          .ifPresent(f -> kubedirect.merge(frame(f), 1, Integer::sum));
      String thread = e.getThread("sampledThread") == null ? "?" : threadName(e);
      threads.merge(thread, 1, Integer::sum);
    }
    StringBuilder out =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "benchmark JVM (JFR %s): %d CPU samples, GC pauses %.0f ms%n",
                jfr.getFileName(),
                samples,
                gcPauseMs));
    out.append(top("hottest methods (top frame)", methods, samples));
    out.append(top("innermost io.kubedirect frame", kubedirect, samples));
    out.append(top("threads (digits folded)", threads, samples));
    return out.toString();
  }

  private static String threadName(RecordedEvent e) {
    String name = e.getThread("sampledThread").getJavaName();
    return name == null ? "?" : name.replaceAll(COUNTER, "N");
  }

  /** The {@link #TOP} largest entries of {@code values}, largest first. */
  static <V extends Comparable<V>> List<Map.Entry<String, V>> largest(Map<String, V> values) {
    return values.entrySet().stream()
        .sorted(Map.Entry.<String, V>comparingByValue().reversed())
        .limit(TOP)
        .toList();
  }

  private static String frame(RecordedFrame f) {
    String type = f.getMethod().getType().getName();
    return type.substring(type.lastIndexOf('.') + 1) + "." + f.getMethod().getName();
  }

  private static String top(String title, Map<String, Integer> counts, int samples) {
    StringBuilder out = new StringBuilder("  " + title + "\n");
    largest(counts)
        .forEach(
            e ->
                out.append(
                    String.format(
                        Locale.ROOT,
                        "    %5.1f%%  %s%n",
                        samples == 0 ? 0 : 100.0 * e.getValue() / samples,
                        e.getKey())));
    return out.toString();
  }

  /** The samples of {@code /metrics} by full key (name and labels). */
  private static Map<String, Double> scrape(BenchChain chain) throws IOException {
    return parse(chain.writeCounter().scrape());
  }

  static Map<String, Double> parse(String exposition) {
    Map<String, Double> out = new HashMap<>();
    for (String line : exposition.split("\n")) {
      Matcher m = SAMPLE.matcher(line.trim());
      if (m.matches() && !m.group(3).equals("NaN")) {
        out.put(m.group(1) + "{" + m.group(2) + "}", Double.parseDouble(m.group(3)));
      }
    }
    return out;
  }

  static Map<String, Double> delta(Map<String, Double> before, Map<String, Double> after) {
    Map<String, Double> out = new HashMap<>();
    after.forEach(
        (k, v) -> {
          double d = v - before.getOrDefault(k, 0.0);
          if (d != 0) {
            out.put(k, d);
          }
        });
    return out;
  }

  /** Total CPU time so far of the control plane's processes, this JVM and the stage processes. */
  private static Map<String, Duration> cpu(BenchChain chain) {
    Map<String, Long> pids = new LinkedHashMap<>();
    for (Component c : Component.values()) {
      chain.controlPlane().pid(c).ifPresent(pid -> pids.put(c.binaryName(), pid));
    }
    pids.put("benchmark JVM", ProcessHandle.current().pid());
    pids.putAll(chain.stagePids());
    Map<String, Duration> out = new LinkedHashMap<>();
    pids.forEach(
        (name, pid) ->
            ProcessHandle.of(pid)
                .flatMap(h -> h.info().totalCpuDuration())
                .ifPresent(d -> out.put(name, d)));
    return out;
  }

  /**
   * CPU ticks (user + system) of each thread of this JVM by {@code "<tid> <name>"}, from {@code
   * /proc/self/task}; empty where that is absent.
   */
  static Map<String, Long> threadTicks() {
    Map<String, Long> out = new HashMap<>();
    try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      tasks.forEach(
          t -> {
            try {
              String stat = Files.readString(t.resolve("stat"));
              int open = stat.indexOf('(');
              int close = stat.lastIndexOf(')');
              String[] f = stat.substring(close + 2).trim().split("\\s+");
              // after "pid (comm) ": state is f[0]; utime and stime are fields 14 and 15
              long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
              out.put(t.getFileName() + " " + stat.substring(open + 1, close), ticks);
            } catch (IOException | RuntimeException e) {
              // the thread ended while being read
            }
          });
    } catch (IOException | RuntimeException e) {
      return Map.of();
    }
    return out;
  }

  /** {busy, total} jiffies of every CPU from {@code /proc/stat}, zeros where it is absent. */
  private static long[] machineTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      long idle = 0;
      for (int i = 1; i < f.length; i++) {
        long v = Long.parseLong(f[i]);
        total += v;
        if (i == 4 || i == 5) { // idle, iowait
          idle += v;
        }
      }
      return new long[] {total - idle, total};
    } catch (IOException | RuntimeException e) {
      return new long[] {0, 0};
    }
  }

  /** One sample key split into its name and labels. */
  record Sample(String name, Map<String, String> labels) {
    static Sample parse(String key) {
      int brace = key.indexOf('{');
      Matcher m = LABEL.matcher(key.substring(brace + 1));
      Map<String, String> labels = new HashMap<>();
      while (m.find()) {
        labels.put(m.group(1), m.group(2));
      }
      return new Sample(key.substring(0, brace), labels);
    }

    String label(String name) {
      return labels.getOrDefault(name, "");
    }
  }
}
