package io.kubedirect.runtime.sim;

import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.FaultPlan;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * One deterministic run of the three-stage chain (ReplicaSet-like producer -> scheduler -> one sandbox
 * manager per node) on virtual time, with a fault schedule drawn from the seed: network faults (drop,
 * duplicate, reorder, delay, partitions, link kills), crash and restart of any stage, API failures and
 * conflicts, scale changes. Then the faults stop, the run goes on until it converges (or a deadline), and
 * the invariants are checked:
 *
 * <ul>
 *   <li>no lost pod and no surplus: per owner exactly the desired number of persisted pods;
 *   <li>convergence: every persisted pod has a node and is Ready; every engine's ephemeral store, dirty set
 *       and the stage logic are empty/idle, and stay so for two more seconds;
 *   <li>no duplicate: no pod name was created (applied) twice in the API history; a retry answered
 *       AlreadyExists is fine;
 *   <li>no stale epoch: every batch a receiver applied carried the epoch current for its source
 *       ({@link EpochFenceObserver});
 *   <li>bounded memory: ephemeral + dirty objects over all stages never exceed a bound during the run;
 *   <li>no surplus create (with the head view, the default): the ReplicaSet-like stage never asks for a pod
 *       while its owner already has the desired number persisted or held by a downstream stage (this is what
 *       a restarted head got wrong before it saw the pods its downstream held);
 *   <li>no task threw.
 * </ul>
 */
final class ChainSimulation {

  /** What one seed configures. */
  record Config(long seed, List<String> nodes, Map<String, Integer> initialDesired, Duration horizon,
      Duration watchDelay, Duration fallbackAfter, FaultPlan plan, double apiRetryable, double apiAmbiguous,
      double apiConflict, List<String> events, boolean ambiguousWrites, boolean silentDrops) {

    /** The system properties that reproduce this configuration's fault classes. */
    String flags() {
      return (ambiguousWrites ? "" : " -Dkubedirect.sim.ambiguousWrites=false")
          + (silentDrops ? "" : " -Dkubedirect.sim.silentDrops=false");
    }
  }

  /** The outcome of a run. */
  record Result(long seed, long traceHash, boolean ok, List<String> violations, String summary,
      List<String> details, String flags) {

    String report() {
      StringBuilder sb = new StringBuilder();
      sb.append("seed ").append(seed).append(": ").append(summary).append('\n');
      violations.stream().limit(20).forEach(v -> sb.append("  VIOLATION ").append(v).append('\n'));
      details.forEach(d -> sb.append("  ").append(d).append('\n'));
      sb.append("  replay: mvn -B -ntp -o -pl kubedirect-runtime test -Dtest=ChainSimulationTest#seeds"
          + " -Dkubedirect.sim.seed=").append(seed).append(flags).append('\n');
      return sb.toString();
    }
  }

  /**
   * Whether the API Server sometimes commits a write and still answers RETRYABLE_FAILURE (a timeout after
   * commit). On by default; {@code -Dkubedirect.sim.ambiguousWrites=false} turns it off. It once exposed an
   * engine bug (a retried create resurrected a pod deleted in between, e.g. seed 77), fixed by the write-back
   * queue's revision barrier.
   */
  static final boolean AMBIGUOUS_WRITES_DEFAULT =
      Boolean.parseBoolean(System.getProperty("kubedirect.sim.ambiguousWrites", "true"));

  /**
   * Whether a dropped message may leave its connection up (a lossy link that breaks the TCP-like contract;
   * the Link Javadoc allows it: "at most once"). On by default; {@code -Dkubedirect.sim.silentDrops=false}
   * turns it off (then every drop also resets the connection). It once exposed an engine bug (a batch lost
   * without its connection was never resent, e.g. seeds 106 and 467), fixed by the sender's ack timeout.
   */
  static final boolean SILENT_DROPS_DEFAULT =
      Boolean.parseBoolean(System.getProperty("kubedirect.sim.silentDrops", "true"));

  static final Duration CONVERGE_LIMIT = Duration.ofSeconds(60);
  static final Duration STABLE_FOR = Duration.ofSeconds(2);
  static final Duration SAMPLE = Duration.ofMillis(20);

  final DeterministicTaskScheduler sched;
  final InMemoryNetwork net;
  final SimulatedApiServer api;
  final SimDiscovery discovery = new SimDiscovery();
  final Config config;
  final Map<String, Integer> desired = new TreeMap<>();
  final List<String> violations = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();
  private final Map<String, StageProcess> alive = new LinkedHashMap<>();
  private final Map<String, Integer> incarnations = new HashMap<>();
  private final List<StageProcess> dead = new ArrayList<>();
  private int maxMemory;
  /** Pods the ReplicaSet-like stage asked to create, and surplus pods it asked to delete (all incarnations). */
  long rsCreates;
  long rsDeletes;
  /**
   * Creates the ReplicaSet-like stage asked for while the owner already had, in the API Server or held by a
   * downstream stage, at least the desired number of pods (waste; the restart of the head stage caused most
   * of it before its informer showed what its downstream held).
   */
  long surplusCreates;
  private final List<String> surplusDetails = new ArrayList<>();

  /**
   * Whether the head stage's view includes its own unpersisted pods (the engine's {@code emittedView()}, with
   * the pods adopted from its downstream's snapshot after a restart) and waits for {@code recovered()}. On by
   * default; {@code -Dkubedirect.sim.headView=false} restores the earlier behaviour (the view is the persisted
   * pods only, and the restarted head retracts what its downstream holds) to compare the waste.
   */
  static final boolean HEAD_VIEW = Boolean.parseBoolean(System.getProperty("kubedirect.sim.headView", "true"));
  private int memoryBound;
  private int crashes;

  /** A run with the fault classes chosen by system properties (see the constants). */
  ChainSimulation(long seed) {
    this(seed, AMBIGUOUS_WRITES_DEFAULT, SILENT_DROPS_DEFAULT);
  }

  /** A run; the two flags enable the fault classes that expose known engine issues. */
  ChainSimulation(long seed, boolean ambiguousWrites, boolean silentDrops) {
    this.sched = new DeterministicTaskScheduler(seed, 50_000_000L).maxTasksPerInstant(200_000);
    this.net = InMemoryNetwork.builder(sched).latency(Duration.ofMillis(1))
        .partitionDetection(Duration.ofMillis(300)).traceRetained(60).build();
    Random r = sched.newRandom();
    this.api = new SimulatedApiServer(sched, sched.newRandom(), net.trace());
    this.config = draw(seed, r, ambiguousWrites, silentDrops);
    desired.putAll(config.initialDesired());
    discovery.add("scheduler", "", SchedulerProcess.ADDRESS);
    for (String n : config.nodes()) {
      discovery.add("sandbox-manager", n, SandboxManagerProcess.address(n));
    }
  }

  private static Config draw(long seed, Random r, boolean ambiguousWrites, boolean silentDrops) {
    int nodeCount = 2 + r.nextInt(2);
    List<String> nodes = new ArrayList<>();
    for (int i = 1; i <= nodeCount; i++) {
      nodes.add("node-" + i);
    }
    Map<String, Integer> want = new TreeMap<>();
    want.put("web", 1 + r.nextInt(4));
    want.put("api", r.nextInt(4));
    Duration horizon = Duration.ofMillis(1500 + r.nextInt(2500));
    Duration watchDelay = Duration.ofMillis(1 + r.nextInt(30));
    Duration fallback = r.nextInt(4) == 0 ? Duration.ofMillis(800 + r.nextInt(1200)) : Duration.ofSeconds(30);
    List<List<String>> links = new ArrayList<>();
    links.add(List.of("replicaset", "scheduler"));
    for (String n : nodes) {
      links.add(List.of("scheduler", "sm-" + n));
    }
    FaultPlan plan = FaultPlan.random(r, links, horizon, r.nextInt(7), r.nextInt(3) == 0, silentDrops);
    double retryable = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.25;
    double ambiguousDraw = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.1;
    double ambiguous = ambiguousWrites ? ambiguousDraw : 0;
    double conflict = r.nextInt(3) == 0 ? 0 : r.nextDouble() * 0.2;
    List<String> events = new ArrayList<>();
    List<String> instances = new ArrayList<>();
    instances.add("replicaset");
    instances.add("scheduler");
    nodes.forEach(n -> instances.add("sm-" + n));
    int crashCount = r.nextInt(4);
    for (int i = 0; i < crashCount; i++) {
      long at = (long) (r.nextDouble() * horizon.toMillis() * 0.8);
      long down = 1 + r.nextInt(1500);
      events.add("crash " + instances.get(r.nextInt(instances.size())) + " at " + at + " for " + down);
    }
    int scaleCount = r.nextInt(4);
    for (int i = 0; i < scaleCount; i++) {
      long at = (long) (r.nextDouble() * horizon.toMillis());
      events.add("scale " + (r.nextBoolean() ? "web" : "api") + " at " + at + " to " + r.nextInt(6));
    }
    return new Config(seed, nodes, want, horizon, watchDelay, fallback, plan, retryable, ambiguous, conflict,
        events, ambiguousWrites, silentDrops);
  }

  /** Picks the node of a pod (a pure function of its name, like a deterministic scheduler). */
  String nodeFor(String podName) {
    int h = podName.hashCode() & 0x7fffffff;
    return config.nodes().get(h % config.nodes().size());
  }

  /** Counts a create for {@code owner} made while enough of its pods were persisted or held downstream. */
  void countCreate(String owner) {
    rsCreates++;
    java.util.Set<String> names = new java.util.HashSet<>();
    for (KubernetesObject o : api.listShared(SimPods.KIND)) {
      if (owner.equals(SimPods.owner((V1Pod) o))) {
        names.add(SimPods.key((V1Pod) o));
      }
    }
    for (StageProcess p : alive.values()) {
      if (!(p instanceof ReplicaSetProcess)) {
        for (V1Pod e : p.ephemeralPods()) {
          if (owner.equals(SimPods.owner(e))) {
            names.add(SimPods.key(e));
          }
        }
      }
    }
    if (names.size() >= desired.getOrDefault(owner, 0)) {
      surplusCreates++;
      if (HEAD_VIEW && surplusDetails.size() < 5) {
        surplusDetails.add(sched.nanoTime() / 1_000_000 + "ms: a create for " + owner + " while " + names
            + " were persisted or held downstream, desired " + desired.get(owner));
      }
    }
  }

  /** Records something worth knowing in a failure report (not a violation). */
  void note(String s) {
    if (notes.size() < 200) {
      notes.add(sched.nanoTime() / 1_000_000 + "ms " + s);
    }
  }

  private StageProcess spawn(String instance) {
    int inc = incarnations.merge(instance, 1, Integer::sum);
    StageProcess p;
    if (instance.equals("replicaset")) {
      p = new ReplicaSetProcess(this, inc);
    } else if (instance.equals("scheduler")) {
      p = new SchedulerProcess(this, inc);
    } else {
      p = new SandboxManagerProcess(this, instance.substring("sm-".length()), inc);
    }
    alive.put(instance, p);
    net.trace().record(sched.nanoTime(), "start " + instance + "#" + inc, 0);
    p.start();
    return p;
  }

  private void crash(String instance) {
    StageProcess p = alive.remove(instance);
    if (p == null) {
      return;
    }
    crashes++;
    net.trace().record(sched.nanoTime(), "crash-process " + instance + "#" + p.incarnation, 0);
    p.crash();
    dead.add(p);
  }

  private void restart(String instance) {
    if (!alive.containsKey(instance)) {
      spawn(instance);
    }
  }

  /** Runs the whole scenario and checks the invariants. */
  Result run() {
    try {
      return runChecked();
    } catch (IllegalStateException e) {
      violations.add(e.getMessage());
      List<String> details = new ArrayList<>(stateReport());
      details.add("events: " + config.events());
      details.add("fault plan: " + config.plan().steps());
      net.trace().recent().forEach(t -> details.add("trace: " + t));
      return new Result(config.seed(), net.trace().hash(), false, List.copyOf(violations),
          "aborted: " + e.getMessage(), details, config.flags());
    }
  }

  private Result runChecked() {
    long t0 = sched.nanoTime();
    memoryBound = 8 * 6 * 2 + 32;
    spawn("replicaset");
    spawn("scheduler");
    for (String n : config.nodes()) {
      spawn("sm-" + n);
    }
    config.plan().schedule(net);
    api.setFaults(config.apiRetryable(), config.apiAmbiguous(), config.apiConflict());
    for (String e : config.events()) {
      String[] f = e.split(" ");
      if (f[0].equals("crash")) {
        String inst = f[1];
        long at = Long.parseLong(f[3]);
        long down = Long.parseLong(f[5]);
        sched.schedule(() -> crash(inst), Duration.ofMillis(at));
        sched.schedule(() -> restart(inst), Duration.ofMillis(at + down));
      } else {
        String owner = f[1];
        long at = Long.parseLong(f[3]);
        int to = Integer.parseInt(f[5]);
        sched.schedule(() -> {
          net.trace().record(sched.nanoTime(), "scale " + owner + " " + to, 0);
          desired.put(owner, to);
        }, Duration.ofMillis(at));
      }
    }
    sample();
    sched.runFor(config.horizon());

    // Quiesce: no more faults, everything running.
    net.faults().clearAll();
    api.quiesce();
    List<String> instances = new ArrayList<>();
    instances.add("replicaset");
    instances.add("scheduler");
    config.nodes().forEach(n -> instances.add("sm-" + n));
    long restartAt = 0;
    for (String e : config.events()) {
      String[] f = e.split(" ");
      if (f[0].equals("crash")) {
        restartAt = Math.max(restartAt, Long.parseLong(f[3]) + Long.parseLong(f[5]));
      }
    }
    long wait = restartAt * 1_000_000L + t0 - sched.nanoTime();
    if (wait > 0) {
      sched.runFor(Duration.ofNanos(wait));
    }
    instances.forEach(this::restart);

    long deadline = sched.nanoTime() + CONVERGE_LIMIT.toNanos();
    boolean converged = false;
    while (sched.nanoTime() < deadline) {
      sched.runFor(Duration.ofMillis(50));
      if (converged()) {
        converged = true;
        break;
      }
    }
    long convergedAt = sched.nanoTime();
    boolean stable = false;
    if (converged) {
      sched.runFor(STABLE_FOR);
      stable = converged();
    }
    List<String> details = new ArrayList<>();
    if (!converged) {
      violations.add("did not converge within " + CONVERGE_LIMIT.toSeconds() + " s after the faults stopped");
    } else if (!stable) {
      violations.add("converged, then diverged again within " + STABLE_FOR.toSeconds() + " s");
    }
    if (!converged || !stable) {
      details.addAll(stateReport());
    }
    checkHistory();
    if (HEAD_VIEW && surplusCreates > 0) {
      violations.add("surplus: the replicaset stage asked for " + surplusCreates + " create(s) while the owner"
          + " already had enough pods persisted or held downstream, e.g. " + surplusDetails);
    }
    if (maxMemory > memoryBound) {
      violations.add("memory: " + maxMemory + " ephemeral+dirty objects at once, bound " + memoryBound);
    }
    for (Throwable t : sched.errors()) {
      violations.add("task threw " + t);
    }
    long virtualMs = (sched.nanoTime() - t0) / 1_000_000;
    String summary = (violations.isEmpty() ? "ok" : violations.size() + " violation(s)") + ", nodes="
        + config.nodes().size() + ", desired=" + desired + ", crashes=" + crashes + ", converged after "
        + (convergedAt - t0) / 1_000_000 + " ms virtual, total " + virtualMs + " ms virtual, maxMemory="
        + maxMemory + ", pods created by sandbox managers/others=" + createdBy("sm-") + "/" + createdByOthers()
        + ", api writes=" + api.history().size() + ", trace events=" + net.trace().events()
        + ", trace hash=" + Long.toHexString(net.trace().hash());
    if (!violations.isEmpty()) {
      details.add("config: horizon=" + config.horizon().toMillis() + "ms watchDelay=" + config.watchDelay().toMillis()
          + "ms fallbackAfter=" + config.fallbackAfter().toMillis() + "ms api faults retryable="
          + fmt(config.apiRetryable()) + " ambiguous=" + fmt(config.apiAmbiguous()) + " conflict="
          + fmt(config.apiConflict()));
      details.add("events: " + config.events());
      details.add("fault plan: " + config.plan().steps());
      notes.stream().limit(30).forEach(n -> details.add("note: " + n));
      net.trace().recent().forEach(t -> details.add("trace: " + t));
    }
    for (StageProcess p : alive.values()) {
      p.crash(); // stop timers so nothing outlives the run
    }
    return new Result(config.seed(), net.trace().hash(), violations.isEmpty(), List.copyOf(violations), summary,
        details, config.flags());
  }

  private static String fmt(double d) {
    return String.format("%.3f", d);
  }

  private void sample() {
    int m = 0;
    for (StageProcess p : alive.values()) {
      m += p.memory();
    }
    maxMemory = Math.max(maxMemory, m);
    sched.schedule(this::sample, SAMPLE);
  }

  private boolean converged() {
    if (alive.size() != 2 + config.nodes().size()) {
      return false;
    }
    for (StageProcess p : alive.values()) {
      if (p.memory() != 0 || !p.logicIdle()) {
        return false;
      }
    }
    Map<String, Integer> count = new TreeMap<>();
    for (KubernetesObject o : api.listShared(SimPods.KIND)) {
      V1Pod pod = (V1Pod) o;
      if (SimPods.nodeName(pod) == null || !SimPods.isReady(pod)) {
        return false;
      }
      count.merge(SimPods.owner(pod), 1, Integer::sum);
    }
    for (Map.Entry<String, Integer> d : desired.entrySet()) {
      if (count.getOrDefault(d.getKey(), 0).intValue() != d.getValue()) {
        return false;
      }
    }
    return count.keySet().stream().allMatch(desired::containsKey);
  }

  private List<String> stateReport() {
    List<String> out = new ArrayList<>();
    Map<String, Integer> count = new TreeMap<>();
    for (KubernetesObject o : api.list(SimPods.KIND)) {
      V1Pod pod = (V1Pod) o;
      count.merge(SimPods.owner(pod), 1, Integer::sum);
      out.add("persisted " + SimPods.key(pod) + " node=" + SimPods.nodeName(pod) + " ready=" + SimPods.isReady(pod)
          + " rv=" + pod.getMetadata().getResourceVersion());
    }
    out.add("persisted per owner " + count + ", desired " + desired);
    for (StageProcess p : alive.values()) {
      out.add("stage " + p.describe());
      for (V1Pod e : p.ephemeralPods()) {
        out.add("  holds " + SimPods.key(e) + " node=" + SimPods.nodeName(e));
      }
    }
    return out;
  }

  /** No pod name created (applied) twice: a deleted pod must not come back, a retried create must not double. */
  private void checkHistory() {
    violations.addAll(resurrections(api.history()));
  }

  /** The violations of "no object created twice" in a write history. */
  static List<String> resurrections(List<SimulatedApiServer.Write> history) {
    List<String> violations = new ArrayList<>();
    Map<String, Integer> creates = new HashMap<>();
    for (SimulatedApiServer.Write w : history) {
      if (w.op().equals("create") && w.applied()) {
        int n = creates.merge(w.key(), 1, Integer::sum);
        if (n == 2) {
          List<String> writes = new ArrayList<>();
          for (SimulatedApiServer.Write x : history) {
            if (x.key().equals(w.key())) {
              writes.add(x.toString());
            }
          }
          violations.add("pod " + w.key() + " created twice (deleted, then resurrected): " + writes);
        }
      }
    }
    return violations;
  }

  private long createdBy(String writerPrefix) {
    return api.history().stream().filter(w -> w.op().equals("create") && w.applied()
        && w.writer().startsWith(writerPrefix)).count();
  }

  private long createdByOthers() {
    return api.history().stream().filter(w -> w.op().equals("create") && w.applied()
        && !w.writer().startsWith("sm-")).count();
  }

  /** Pods created (applied) in the API, by any writer. */
  long podsCreated() {
    return createdBy("");
  }

  /** Pods the sandbox managers created, i.e. that came over the direct links. */
  long podsCreatedByTail() {
    return createdBy("sm-");
  }

  /** Fence statistics over all incarnations (for the test's report). */
  long[] fenceStats() {
    long applied = 0;
    long stale = 0;
    List<StageProcess> all = new ArrayList<>(dead);
    all.addAll(alive.values());
    for (StageProcess p : all) {
      applied += p.fence.appliedBatches();
      stale += p.fence.staleArrivals();
    }
    return new long[] {applied, stale};
  }
}
