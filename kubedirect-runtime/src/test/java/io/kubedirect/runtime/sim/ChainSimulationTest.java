package io.kubedirect.runtime.sim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The deterministic simulation of the chain. {@code -Dkubedirect.sim.seeds=N} runs N seeds from
 * {@code -Dkubedirect.sim.firstSeed} (default 0; the build passes N=500, 10,000 under {@code
 * -Psoak}); {@code -Dkubedirect.sim.seed=S} replays exactly seed S and prints its report. Ambiguous
 * API writes and silent message drops are on by default; {@code
 * -Dkubedirect.sim.ambiguousWrites=false} and {@code -Dkubedirect.sim.silentDrops=false} turn them
 * off (see {@link ChainSimulation}). The fault classes of {@link SimFaults} have a switch each
 * ({@code -Dkubedirect.sim.<class>=true|false}) and are all on by default; {@code
 * -Dkubedirect.sim.pending=false} turns off those that were added for engine bugs fixed since.
 */
class ChainSimulationTest {

  static {
    // Thousands of runs with injected faults: keep the engine's expected warnings out of the test
    // output.
    System.setProperty("org.slf4j.simpleLogger.log.io.kubedirect", "error");
  }

  @Test
  void seeds() {
    Long only = Long.getLong("kubedirect.sim.seed");
    int count = Integer.getInteger("kubedirect.sim.seeds", 500);
    long first = Long.getLong("kubedirect.sim.firstSeed", 0L);
    List<Long> seeds = new ArrayList<>();
    if (only != null) {
      seeds.add(only);
    } else {
      for (long s = first; s < first + count; s++) {
        seeds.add(s);
      }
    }
    long start = System.nanoTime();
    java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
    long cpuStart = mx.getCurrentThreadCpuTime();
    List<ChainSimulation.Result> failed = new ArrayList<>();
    long applied = 0;
    long stale = 0;
    long created = 0;
    long direct = 0;
    long rsCreates = 0;
    long rsDeletes = 0;
    long surplus = 0;
    long[] extra = new long[6];
    for (long seed : seeds) {
      ChainSimulation sim = new ChainSimulation(seed);
      ChainSimulation.Result r = sim.run();
      long[] f = sim.fenceStats();
      applied += f[0];
      stale += f[1];
      created += sim.podsCreated();
      direct += sim.podsCreatedByTail();
      rsCreates += sim.rsCreates;
      rsDeletes += sim.rsDeletes;
      surplus += sim.surplusCreates;
      extra[0] += sim.rsUnpersistedDeletes;
      extra[1] += sim.deletesOkWhilePersisted;
      extra[2] += sim.createdAfterDelete;
      extra[3] += sim.evictions;
      extra[4] += sim.rejectedCreates;
      extra[5] += sim.deletesOkSeenPersisted;
      if (!r.ok()) {
        failed.add(r);
      }
      if (only != null) {
        System.out.println(r.report());
      }
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    long cpuMs = (mx.getCurrentThreadCpuTime() - cpuStart) / 1_000_000;
    System.out.printf(
        "simulation: %d seeds in %d ms (%d ms CPU), %d failed; %d batches applied, %d stale-epoch arrivals,"
            + " %d pods created, %d of them over the direct path; replicaset asked for %d creates (%d surplus: the"
            + " owner had enough pods persisted or held downstream) and %d deletes%n",
        seeds.size(),
        ms,
        cpuMs,
        failed.size(),
        applied,
        stale,
        created,
        direct,
        rsCreates,
        surplus,
        rsDeletes);
    System.out.printf(
        "fault classes: %d deletes of unpersisted pods, %d delete futures completed OK while the pod"
            + " was persisted (%d of them once the head's informer showed it), %d pods created after their delete completed OK, %d evictions, %d rejected creates%n",
        extra[0], extra[1], extra[5], extra[2], extra[3], extra[4]);
    StringBuilder sb = new StringBuilder();
    failed.stream().limit(5).forEach(r -> sb.append(r.report()));
    if (!failed.isEmpty()) {
      List<Long> ids = failed.stream().map(ChainSimulation.Result::seed).toList();
      System.out.println("failing seeds: " + ids);
      StringBuilder kinds = new StringBuilder("failing invariants:");
      for (ChainSimulation.Result r : failed) {
        java.util.Set<String> k = new java.util.TreeSet<>();
        r.violations().forEach(v -> k.add(invariant(v)));
        kinds.append(' ').append(r.seed()).append('=').append(k);
      }
      System.out.println(kinds);
      System.out.println(sb);
    }
    assertThat(failed).as("failing seeds (first reports below)%n%s", sb).isEmpty();
    if (only == null && seeds.size() >= 50) {
      // The runs must exercise the direct path, not only the API fallback.
      assertThat(direct).isGreaterThan(created / 2);
      assertThat(applied).isGreaterThan(seeds.size());
    }
  }

  /**
   * A short name of the invariant a violation message reports (the text before its first colon, or
   * a phrase).
   */
  static String invariant(String violation) {
    if (violation.contains("created twice")) {
      return "no-resurrection";
    }
    if (violation.startsWith("did not converge")
        || violation.startsWith("converged, then diverged")) {
      return "convergence";
    }
    int colon = violation.indexOf(':');
    return colon > 0 && colon < 20
        ? violation.substring(0, colon)
        : violation.substring(0, Math.min(30, violation.length()));
  }

  /**
   * Seeds beyond the default 500 that found engine bugs in a 10,000-seed soak, run by default so
   * the fix stays: 1348, 6819 and 8591, a publisher restarted with its clock stepped back published
   * deletes under versions older than what its subscriber held; 2761, a subscriber whose informer
   * listed after a published pod's API delete kept the stored copy its publisher sent (the
   * publisher now publishes that delete); 1153 and 8724, a head that went to the API Server while
   * its handshake's reconciliation was on the wire (the fallback now waits for the confirm); 1830,
   * a delete written through the API Server after the downstream had already taken it over the
   * healed link waited for that downstream for ever (headPartition); 1871, the fence monitor took a
   * REJECTED notice for the answer to the batch being processed.
   */
  @Test
  void seedsThatFoundBugsInASoak() {
    for (long seed : new long[] {1153, 1348, 1377, 1830, 1871, 2761, 6819, 8591, 8724}) {
      ChainSimulation.Result r = new ChainSimulation(seed).run();
      assertThat(r.ok()).as("seed %d%n%s", seed, r.report()).isTrue();
    }
  }

  @Test
  void theHistoryCheckFlagsAResurrectedPod() {
    io.kubedirect.transport.inmemory.DeterministicTaskScheduler s =
        new io.kubedirect.transport.inmemory.DeterministicTaskScheduler(1);
    SimulatedApiServer server =
        new SimulatedApiServer(
            s,
            new java.util.Random(1),
            io.kubedirect.transport.inmemory.InMemoryNetwork.builder(s).build().trace());
    var api = server.clientFor("sm");
    api.create(SimPods.KIND, SimPods.newPod("web", "p1"));
    api.create(SimPods.KIND, SimPods.newPod("web", "p1")); // AlreadyExists: fine
    assertThat(ChainSimulation.resurrections(server.history())).isEmpty();
    api.delete(SimPods.KIND, SimPods.NAMESPACE, "p1");
    api.create(SimPods.KIND, SimPods.newPod("web", "p1"));
    assertThat(ChainSimulation.resurrections(server.history()))
        .singleElement()
        .satisfies(v -> assertThat(v).contains("default/p1 created twice"));
  }

  @Test
  void aSeedReplaysExactlyWithEveryFaultClass() {
    SimFaults.Switches all = SimFaults.Switches.only(SimFaults.PASSING.toArray(String[]::new));
    SimFaults.PENDING.forEach(c -> all.on().put(c, true));
    long seed =
        10; // draws every class: a burst, a forged handshake, rejections, a clock step, a twin, ...
    ChainSimulation a = new ChainSimulation(seed, true, true, all);
    ChainSimulation.Result ra = a.run();
    ChainSimulation.Result rb = new ChainSimulation(seed, true, true, all).run();
    assertThat(a.faults.describe())
        .contains("sandboxDelay", "burst", "hostile", "reject", "clock back", "twin");
    assertThat(rb.traceHash()).isEqualTo(ra.traceHash());
    assertThat(rb.summary()).isEqualTo(ra.summary());
    assertThat(rb.violations()).isEqualTo(ra.violations());
  }

  @Test
  void aSeedReplaysExactly() {
    long seed = Long.getLong("kubedirect.sim.seed", 12345L);
    ChainSimulation.Result a = new ChainSimulation(seed).run();
    ChainSimulation.Result b = new ChainSimulation(seed).run();
    assertThat(b.traceHash()).isEqualTo(a.traceHash());
    assertThat(b.summary()).isEqualTo(a.summary());
    assertThat(new ChainSimulation(seed + 1).run().traceHash()).isNotEqualTo(a.traceHash());
  }
}
