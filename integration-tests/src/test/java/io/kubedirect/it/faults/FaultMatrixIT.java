package io.kubedirect.it.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.testing.controlplane.LocalControlPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fault matrix on the real control plane (issue #7, item 7): kill each stage at three points of
 * a burst (only in memory, write-backs in flight, some Ready), partition each link past the
 * fallback deadline and heal it, restart kube-apiserver; each with a scale-up, a scale-down
 * mid-burst and an owner-delete mid-burst. Every run must end in the exact end state with nothing
 * lost, duplicated, orphaned or resurrected and no duplicate pod IP; convergence time is measured,
 * not asserted (the deadline is only a failure guard).
 *
 * <p>By default a subset that exercises the dangerous windows runs once ({@link
 * FaultScenario#defaultSubset()}). {@code -Pfaults} (system properties {@code
 * kubedirect.faults=full}, {@code kubedirect.faults.runs=3}) runs the whole matrix three times.
 * {@code -Dkubedirect.faults.only=<regex>} keeps the rows whose name matches. Every run appends a
 * line to {@code target/fault-matrix/results.tsv}; {@code summary.md} next to it is the table of
 * docs/reliability.md.
 *
 * <p>Own control plane (kube-apiserver restarts must not disturb other classes), with
 * kube-controller-manager running only the garbage collector, so an owner-delete removes the pods
 * as in a real cluster; no stock ReplicaSet controller competes with the example one.
 */
@Timeout(value = 420, unit = TimeUnit.SECONDS)
class FaultMatrixIT {

  private static final Logger log = LoggerFactory.getLogger(FaultMatrixIT.class);
  private static final Path OUT = Path.of("target", "fault-matrix");
  private static LocalControlPlane cp;
  private static final List<RunResult> results = new ArrayList<>();

  @BeforeAll
  static void startControlPlane() throws IOException {
    cp =
        LocalControlPlane.builder()
            .controllerManager(true)
            .controllers(List.of("garbagecollector"))
            .build()
            .start();
    Files.createDirectories(OUT);
    Path tsv = OUT.resolve("results.tsv");
    if (!Files.exists(tsv)) {
      Files.writeString(tsv, RunResult.header() + "\n");
    }
  }

  @AfterAll
  static void stopControlPlane() throws IOException {
    if (cp != null) {
      cp.close();
    }
    synchronized (results) {
      if (!results.isEmpty()) {
        Files.writeString(
            OUT.resolve("summary.md"), MatrixSummary.markdownOf(OUT.resolve("results.tsv")));
      }
    }
  }

  static String property(String name, String fallback) {
    String v = System.getProperty(name);
    return v == null || v.isBlank() || v.startsWith("${") ? fallback : v.trim();
  }

  static Stream<Arguments> rows() {
    boolean full = "full".equals(property("kubedirect.faults", "default"));
    int runs = Integer.parseInt(property("kubedirect.faults.runs", "1"));
    Pattern only = Pattern.compile(property("kubedirect.faults.only", ".*"));
    List<FaultScenario> rows = full ? FaultScenario.fullMatrix() : FaultScenario.defaultSubset();
    // run-major order: a complete pass over the rows first, then the repetitions
    return IntStream.rangeClosed(1, runs)
        .boxed()
        .flatMap(
            run ->
                rows.stream()
                    .filter(r -> only.matcher(r.name()).find())
                    .map(r -> Arguments.of(r, run)));
  }

  /** The name the control below answers to in {@code kubedirect.faults.only}. */
  static final String GC_CONTROL = "control gc-after-restart";

  static Stream<Arguments> controlRuns() {
    boolean full = "full".equals(property("kubedirect.faults", "default"));
    int runs = Integer.parseInt(property("kubedirect.faults.runs", "1"));
    boolean selected =
        Pattern.compile(property("kubedirect.faults.only", ".*")).matcher(GC_CONTROL).find();
    return full && selected
        ? IntStream.rangeClosed(1, runs).mapToObj(Arguments::of)
        : Stream.empty();
  }

  /**
   * A control without kubedirect for the owner-delete x API Server restart rows: a ReplicaSet and
   * {@link FaultRun#GC_CONTROL_PODS} pods it controls are created directly, the ReplicaSet is
   * deleted (background propagation) and kube-apiserver restarted at once; measured: how long the
   * garbage collector takes to delete the pods. Those rows converge only once it has.
   */
  @ParameterizedTest(name = GC_CONTROL + " (run {0})", allowZeroInvocations = true)
  @MethodSource("controlRuns")
  void garbageCollectorAfterAnApiServerRestart(int run) throws Exception {
    long ms = FaultRun.garbageCollectorControl(cp);
    log.info(
        "RESULT {}\t{}\tgarbage collector deleted every pod {} ms after the owner delete",
        GC_CONTROL,
        run,
        ms);
    Files.writeString(
        OUT.resolve("gc-control.tsv"),
        run + "\t" + ms + "\n",
        StandardOpenOption.CREATE,
        StandardOpenOption.APPEND);
    assertThat(ms).as("pods left 180 s after the owner delete").isNotNegative();
  }

  @ParameterizedTest(name = "{0} (run {1})", allowZeroInvocations = true)
  @MethodSource("rows")
  void faultIsSurvivedExactly(FaultScenario scenario, int run) throws Exception {
    RunResult r = new FaultRun(cp, scenario, run, FaultRun.Settings.defaults()).execute();
    synchronized (results) {
      results.add(r);
    }
    Files.writeString(OUT.resolve("results.tsv"), r.tsv() + "\n", StandardOpenOption.APPEND);
    log.info("RESULT {}", r.tsv());
    assertThat(r.problems())
        .as(
            "%s, run %d (at the fault: %s; convergence %d ms)",
            scenario, run, r.atFault(), r.convergenceMillis())
        .isEmpty();
  }
}
