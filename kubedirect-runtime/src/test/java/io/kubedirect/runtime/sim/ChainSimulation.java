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
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;

/**
 * One deterministic run of the three-stage chain (ReplicaSet-like producer -> scheduler -> one
 * sandbox manager per node) on virtual time, with a fault schedule drawn from the seed: network
 * faults (drop, duplicate, reorder, delay, partitions, link kills), crash and restart of any stage,
 * API failures and conflicts, scale changes. Then the faults stop, the run goes on until it
 * converges (or a deadline), and the invariants are checked:
 *
 * <ul>
 *   <li>no lost pod and no surplus: per owner exactly the desired number of persisted pods;
 *   <li>convergence: every persisted pod has a node and is Ready; every engine's ephemeral store,
 *       dirty set and the stage logic are empty/idle, and stay so for two more seconds;
 *   <li>no duplicate: no pod name was created (applied) twice in the API history; a retry answered
 *       AlreadyExists is fine;
 *   <li>no stale epoch: every batch a receiver applied carried the epoch current for its source
 *       ({@link EpochFenceObserver});
 *   <li>bounded memory: ephemeral + dirty objects over all stages never exceed a bound during the
 *       run;
 *   <li>no surplus create (with the head view, the default): the ReplicaSet-like stage never asks
 *       for a pod while its owner already has the desired number persisted or held by a downstream
 *       stage (this is what a restarted head got wrong before it saw the pods its downstream held);
 *   <li>no task threw.
 * </ul>
 */
final class ChainSimulation {

  /** What one seed configures. */
  record Config(
      long seed,
      List<String> nodes,
      Map<String, Integer> initialDesired,
      Duration horizon,
      Duration watchDelay,
      Duration fallbackAfter,
      FaultPlan plan,
      double apiRetryable,
      double apiAmbiguous,
      double apiConflict,
      List<String> events,
      boolean ambiguousWrites,
      boolean silentDrops,
      SimFaults.Switches switches,
      SimFaults.Plan extra) {

    /** The system properties that reproduce this configuration's fault classes. */
    String flags() {
      return (ambiguousWrites ? "" : " -Dkubedirect.sim.ambiguousWrites=false")
          + (silentDrops ? "" : " -Dkubedirect.sim.silentDrops=false")
          + switches.flags();
    }
  }

  /** The outcome of a run. */
  record Result(
      long seed,
      long traceHash,
      boolean ok,
      List<String> violations,
      String summary,
      List<String> details,
      String flags) {

    String report() {
      StringBuilder sb = new StringBuilder();
      sb.append("seed ").append(seed).append(": ").append(summary).append('\n');
      violations.stream().limit(20).forEach(v -> sb.append("  VIOLATION ").append(v).append('\n'));
      details.forEach(d -> sb.append("  ").append(d).append('\n'));
      sb.append(
              "  replay: mvn -B -ntp -o -pl kubedirect-runtime -am test -Dtest=ChainSimulationTest#seeds"
                  + " -Dsurefire.failIfNoSpecifiedTests=false -Dkubedirect.sim.seed=")
          .append(seed)
          .append(flags)
          .append('\n');
      return sb.toString();
    }
  }

  /**
   * Whether the API Server sometimes commits a write and still answers RETRYABLE_FAILURE (a timeout
   * after commit). On by default; {@code -Dkubedirect.sim.ambiguousWrites=false} turns it off. It
   * once exposed an engine bug (a retried create resurrected a pod deleted in between, e.g. seed
   * 77), fixed by the write-back queue's revision barrier.
   */
  static final boolean AMBIGUOUS_WRITES_DEFAULT =
      Boolean.parseBoolean(System.getProperty("kubedirect.sim.ambiguousWrites", "true"));

  /**
   * Whether a dropped message may leave its connection up (a lossy link that breaks the TCP-like
   * contract; the Link Javadoc allows it: "at most once"). On by default; {@code
   * -Dkubedirect.sim.silentDrops=false} turns it off (then every drop also resets the connection).
   * It once exposed an engine bug (a batch lost without its connection was never resent, e.g. seeds
   * 106 and 467), fixed by the sender's ack timeout.
   */
  static final boolean SILENT_DROPS_DEFAULT =
      Boolean.parseBoolean(System.getProperty("kubedirect.sim.silentDrops", "true"));

  static final Duration CONVERGE_LIMIT = Duration.ofSeconds(60);
  static final Duration STABLE_FOR = Duration.ofSeconds(2);
  static final Duration SAMPLE = Duration.ofMillis(20);

  /**
   * How long after converging a link may still be on the fallback (> the engine's 5 s ack timeout).
   */
  static final Duration FALLBACK_GRACE = Duration.ofSeconds(15);

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

  /**
   * Pods the ReplicaSet-like stage asked to create, and surplus pods it asked to delete (all
   * incarnations).
   */
  long rsCreates;

  long rsDeletes;

  /**
   * Creates the ReplicaSet-like stage asked for while the owner already had, in the API Server or
   * held by a downstream stage, at least the desired number of pods (waste; the restart of the head
   * stage caused most of it before its informer showed what its downstream held).
   */
  long surplusCreates;

  private final List<String> surplusDetails = new ArrayList<>();

  /**
   * Whether the head stage's view includes its own unpersisted pods (the engine's {@code
   * emittedView()}, with the pods adopted from its downstream's snapshot after a restart) and waits
   * for {@code recovered()}. On by default; {@code -Dkubedirect.sim.headView=false} restores the
   * earlier behaviour (the view is the persisted pods only, and the restarted head retracts what
   * its downstream holds) to compare the waste.
   */
  static final boolean HEAD_VIEW =
      Boolean.parseBoolean(System.getProperty("kubedirect.sim.headView", "true"));

  /**
   * A subscriber of the sandbox managers (an activator), with partitions of its links and crashes
   * of its own, drawn from a stream of their own (the other draws of a seed are unchanged). Off:
   * -Dkubedirect.sim.subscriber=false.
   */
  static final boolean SUBSCRIBER =
      Boolean.parseBoolean(System.getProperty("kubedirect.sim.subscriber", "true"));

  private int memoryBound;
  private int crashes;

  /** This seed's draw of the fault classes of {@link SimFaults}. */
  final SimFaults.Plan faults;

  /**
   * Randomness of the fault classes at run time (evictions, head deletes); never the scheduler's.
   */
  private final Random faultRandom;

  /** Per stage instance: how far (µs) its clock is behind virtual time (the clockSteps fault). */
  private final Map<String, Long> clockBack = new HashMap<>();

  private final List<StageProcess> twins = new ArrayList<>();
  private int peakDesired;
  private long t0;

  /**
   * Pods the head asked to delete: on their way out, so not replicas for the surplus check (a
   * replacement created right after a delete is not surplus while the delete propagates down the
   * chain).
   */
  private final java.util.Set<String> headDeleteIssued = new java.util.HashSet<>();

  void headDeleteIssued(String key) {
    headDeleteIssued.add(key);
  }

  /**
   * Pods whose delete completed through the head's API fallback while a twin of the head ran (see
   * below).
   */
  private final java.util.Set<String> twinFallbackDeletes = new java.util.HashSet<>();

  /** key -> when the head's delete of it completed OK (first time), and by whom. */
  private final Map<String, long[]> headDeleted = new HashMap<>();

  private final Map<String, String> headDeletedBy = new HashMap<>();

  /** Deletes of unpersisted pods the ReplicaSet-like stage asked for. */
  long rsUnpersistedDeletes;

  /** Delete futures that completed OK while the API Server still stored the pod (finding 1). */
  long deletesOkWhilePersisted;

  /**
   * Of those, completed when the head's informer already showed the API copy (onPersisted dropped
   * the delete).
   */
  long deletesOkSeenPersisted;

  /** Pods created in the API after the head's delete of them had completed OK (finding 1). */
  long createdAfterDelete;

  long evictions;
  long rejectedCreates;
  private final List<String> hostileLog = new ArrayList<>();
  private final List<String> hostileAnswers = new ArrayList<>();
  private boolean burstArmed;

  /**
   * A run with the fault classes chosen by system properties (see the constants and {@link
   * SimFaults}).
   */
  ChainSimulation(long seed) {
    this(
        seed,
        AMBIGUOUS_WRITES_DEFAULT,
        SILENT_DROPS_DEFAULT,
        SimFaults.Switches.fromSystemProperties());
  }

  /** A run; the two flags enable the fault classes that expose known engine issues. */
  ChainSimulation(long seed, boolean ambiguousWrites, boolean silentDrops) {
    this(seed, ambiguousWrites, silentDrops, SimFaults.Switches.fromSystemProperties());
  }

  /** A run with explicit switches for the fault classes of {@link SimFaults}. */
  ChainSimulation(
      long seed, boolean ambiguousWrites, boolean silentDrops, SimFaults.Switches switches) {
    this.sched = new DeterministicTaskScheduler(seed, 50_000_000L).maxTasksPerInstant(200_000);
    this.net =
        InMemoryNetwork.builder(sched)
            .latency(Duration.ofMillis(1))
            .partitionDetection(Duration.ofMillis(300))
            .traceRetained(Integer.getInteger("kubedirect.sim.traceRetained", 60))
            .build();
    Random r = sched.newRandom();
    this.api = new SimulatedApiServer(sched, sched.newRandom(), net.trace());
    this.config = draw(seed, r, ambiguousWrites, silentDrops, switches);
    this.faults = config.extra();
    this.faultRandom = new Random(seed * 31 + 0x7AB1E5L);
    desired.putAll(config.initialDesired());
    peakDesired = totalDesired();
    discovery.add("scheduler", "", SchedulerProcess.ADDRESS);
    if (SUBSCRIBER) {
      discovery.add("activator", "", ActivatorProcess.ADDRESS);
    }
    for (String n : config.nodes()) {
      discovery.add("sandbox-manager", n, SandboxManagerProcess.address(n));
    }
  }

  private static Config draw(
      long seed,
      Random r,
      boolean ambiguousWrites,
      boolean silentDrops,
      SimFaults.Switches switches) {
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
    Duration fallback =
        r.nextInt(4) == 0 ? Duration.ofMillis(800 + r.nextInt(1200)) : Duration.ofSeconds(30);
    List<List<String>> links = new ArrayList<>();
    links.add(List.of("replicaset", "scheduler"));
    for (String n : nodes) {
      links.add(List.of("scheduler", "sm-" + n));
    }
    FaultPlan plan =
        FaultPlan.random(r, links, horizon, r.nextInt(7), r.nextInt(3) == 0, silentDrops);
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
      events.add(
          "crash " + instances.get(r.nextInt(instances.size())) + " at " + at + " for " + down);
    }
    int scaleCount = r.nextInt(4);
    for (int i = 0; i < scaleCount; i++) {
      long at = (long) (r.nextDouble() * horizon.toMillis());
      events.add(
          "scale " + (r.nextBoolean() ? "web" : "api") + " at " + at + " to " + r.nextInt(6));
    }
    SimFaults.Plan extra =
        SimFaults.draw(seed, switches, horizon.toMillis(), nodeCount, crashCount);
    if (extra.headPartition() != null && fallback.toMillis() > 2_000) {
      // The class needs a partition past the deadline within the run: a short deadline, derived
      // from the seed.
      fallback = Duration.ofMillis(600 + Math.floorMod(SimFaults.mix(seed, "fallback"), 900));
    }
    return new Config(
        seed,
        nodes,
        want,
        horizon,
        watchDelay,
        fallback,
        plan,
        retryable,
        ambiguous,
        conflict,
        events,
        ambiguousWrites,
        silentDrops,
        switches,
        extra);
  }

  /**
   * The most one instance's clock is behind virtual time, over all its steps: below {@code
   * EngineLimits.maxEpochSkew} (60 s). Two steps of 50 and 30 s once put a sandbox manager 80 s
   * behind its upstream, which then could never handshake with it (seeds 383, 384, ...: a link left
   * in fallback).
   */
  static final long MAX_CLOCK_BACK_MS = 50_000;

  /**
   * Wall-clock-like µs at which the clockSteps class puts virtual time 0 (so a step back stays
   * positive).
   */
  static final long CLOCK_BASE_MICROS = 1_700_000_000_000_000L;

  /**
   * The clock of a new incarnation of {@code instance}, in µs: virtual time, minus what the
   * clockSteps fault took off it so far (fixed for the incarnation). Without that class: virtual
   * time, as before.
   */
  java.util.function.LongSupplier clockOf(String instance) {
    if (!config.switches().on("clockSteps")) {
      return () -> sched.nanoTime() / 1_000;
    }
    long back = clockBack.getOrDefault(instance, 0L);
    return () -> CLOCK_BASE_MICROS + sched.nanoTime() / 1_000 - back;
  }

  /**
   * The sandbox start delay of a pod (a pure function of the seed and its name; 0 without
   * sandboxDelay).
   */
  long sandboxDelayNanos(String podName) {
    long max = faults.sandboxMaxDelayMs();
    if (max <= 0) {
      return 0;
    }
    return Math.floorMod(SimFaults.mix(config.seed(), podName), max * 1_000_000L);
  }

  private int totalDesired() {
    return desired.values().stream().mapToInt(Integer::intValue).sum();
  }

  private void setDesired(String owner, int to) {
    net.trace().record(sched.nanoTime(), "scale " + owner + " " + to, 0);
    desired.put(owner, to);
    peakDesired = Math.max(peakDesired, totalDesired());
  }

  /**
   * The head's delete of {@code key} completed OK. Oracle (finding 1): then no stage will persist
   * the pod any more and no persisted copy is left, so the API Server must not store it now
   * (checked here) nor create it later (checked at the end).
   */
  void headDeleteCompleted(
      String key, String by, long issuedNanos, boolean unpersisted, boolean viaFallback) {
    long now = sched.nanoTime();
    if (viaFallback && faults.twin() != null && faults.twin().instance().equals("replicaset")) {
      // Two live instances of the head fence each other (the supported setup has one, §11), which
      // can hold the
      // head's link in fallback; a delete of an unpersisted pod then completes through the API
      // Server, which the
      // copies downstream do not hear of. The requirement for twins is that nothing is lost and the
      // end state is
      // exact (checked), not that the delete is honoured at once: a late copy is deleted again by
      // the head (the
      // late-copy rule of §13.1). Seed 12564.
      twinFallbackDeletes.add(key);
    }
    headDeleted.putIfAbsent(key, new long[] {now, issuedNanos});
    headDeletedBy.putIfAbsent(
        key, by + (unpersisted ? " (unpersisted when deleted)" : " (persisted when deleted)"));
    String[] nsName = key.split("/", 2);
    Optional<KubernetesObject> stored = api.get(SimPods.KIND, nsName[0], nsName[1]);
    if (stored.isPresent()) {
      deletesOkWhilePersisted++;
      if (alive.get("replicaset") instanceof ReplicaSetProcess rs
          && rs.persisted.containsKey(key)) {
        deletesOkSeenPersisted++;
      }
      if (!config.switches().on("deleteOracle") || twinFallbackDeletes.contains(key)) {
        return;
      }
      violations.add(
          "delete-honoured: "
              + by
              + "'s delete of "
              + key
              + " (issued at "
              + ms(issuedNanos)
              + " ms, "
              + (unpersisted ? "unpersisted" : "persisted")
              + " then) completed OK at "
              + ms(now)
              + " ms while the API"
              + " Server stores it (rv "
              + stored.get().getMetadata().getResourceVersion()
              + ", "
              + writesOf(key)
              + ")");
    }
  }

  private long ms(long nanos) {
    return (nanos - t0) / 1_000_000;
  }

  private String writesOf(String key) {
    List<String> out = new ArrayList<>();
    for (SimulatedApiServer.Write w : api.history()) {
      if (w.key().equals(key)
          && w.status() != io.kubedirect.api.WriteResult.Status.RETRYABLE_FAILURE) {
        out.add(ms(w.nanos()) + "ms " + w.writer() + " " + w.op() + " " + w.status());
      }
    }
    return out.size() > 6 ? out.subList(0, 6) + "..." : out.toString();
  }

  /** Picks the node of a pod (a pure function of its name, like a deterministic scheduler). */
  String nodeFor(String podName) {
    int h = podName.hashCode() & 0x7fffffff;
    return config.nodes().get(h % config.nodes().size());
  }

  /**
   * Counts a create for {@code owner} made while enough of its pods were persisted or held
   * downstream. Pods the head is deleting (delete issued) and ephemeral copies of pods that were
   * persisted and deleted meanwhile do not count: they are on their way out, not replicas; nor do
   * persisted pods the head's informer has not shown yet, nor pods held downstream while the head's
   * link is past its fallback deadline.
   */
  void countCreate(String owner) {
    rsCreates++;
    java.util.Set<String> names = new java.util.TreeSet<>();
    List<String> where = new ArrayList<>();
    // A persisted pod counts once the head's informer has shown it: until then nothing the head can
    // see knows it
    // (a downstream that held it has dropped its copy on seeing it persisted; informers lag
    // differently, the §7.1
    // residual race, seed 6031). Pods held downstream count as before.
    StageProcess head = alive.get("replicaset");
    for (KubernetesObject o : api.listShared(SimPods.KIND)) {
      if (owner.equals(SimPods.owner((V1Pod) o))
          && !headDeleteIssued.contains(SimPods.key(o))
          && (head == null || head.persisted.containsKey(SimPods.key(o)))) {
        names.add(SimPods.key((V1Pod) o));
        where.add(o.getMetadata().getName() + "@api");
      }
    }
    java.util.Set<String> gone = new java.util.HashSet<>();
    for (SimulatedApiServer.Write w : api.history()) {
      if (w.op().equals("delete") && w.applied()) {
        gone.add(
            w.key()); // persisted, then deleted: a lagging downstream copy of it is dead, not a
        // replica
      } else if (w.op().equals("create")
          && w.status() == io.kubedirect.api.WriteResult.Status.FAILED) {
        // Refused for good (admission): a copy still held downstream will never be persisted and
        // the head has seen the refusal, so it is not a replica either (headPartition seed 12).
        gone.add(w.key());
      }
    }
    // A head whose link is past the fallback deadline presumes what the downstream held lost and
    // acts
    // on the API's view, as a plain controller does (docs/design.md §13.1): pods held only behind
    // that
    // link are not replicas it could know of. A downstream that was only cut off persists them
    // later,
    // and the head's reconcile deletes the surplus (soak seed 6490: a restarted head whose
    // handshake
    // snapshot was dropped, then partitioned).
    boolean headInFallback = head != null && !head.fallbackAddresses().isEmpty();
    for (StageProcess p : headInFallback ? List.<StageProcess>of() : alive.values()) {
      if (!(p instanceof ReplicaSetProcess)
          && !(p instanceof ActivatorProcess)) { // (a subscriber only observes)
        for (V1Pod e : p.ephemeralPods()) {
          if (owner.equals(SimPods.owner(e))
              && !gone.contains(SimPods.key(e))
              && !headDeleteIssued.contains(SimPods.key(e))) {
            names.add(SimPods.key(e));
            where.add(e.getMetadata().getName() + "@" + p.instance);
          }
        }
      }
    }
    if (names.size() >= desired.getOrDefault(owner, 0)) {
      surplusCreates++;
      if (HEAD_VIEW && surplusDetails.size() < 5) {
        surplusDetails.add(
            sched.nanoTime() / 1_000_000
                + "ms: a create for "
                + owner
                + " while "
                + where
                + " were persisted or held downstream, desired "
                + desired.get(owner));
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
    } else if (instance.equals("activator")) {
      p = new ActivatorProcess(this, inc);
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

  /**
   * Faults of the subscriber only, from their own random stream: partitions between it and the
   * sandbox managers (often while pods live only in memory: early in the run, during the burst) and
   * crashes of the activator.
   */
  private void scheduleSubscriberFaults() {
    Random r = new Random(config.seed() * 131 + 0x5AB5L);
    long horizon = config.horizon().toMillis();
    int partitions = r.nextInt(4);
    for (int i = 0; i < partitions; i++) {
      String node = config.nodes().get(r.nextInt(config.nodes().size()));
      long at = (long) (r.nextDouble() * horizon * 0.7);
      long length = 50 + r.nextInt(1200);
      sched.schedule(
          () -> net.faults().partition("sm-" + node, "activator"), Duration.ofMillis(at));
      sched.schedule(
          () -> net.faults().heal("sm-" + node, "activator"), Duration.ofMillis(at + length));
    }
    if (r.nextInt(3) == 0) {
      long at = (long) (r.nextDouble() * horizon * 0.8);
      long down = 1 + r.nextInt(800);
      sched.schedule(() -> crash("activator"), Duration.ofMillis(at));
      sched.schedule(() -> restart("activator"), Duration.ofMillis(at + down));
    }
  }

  private java.util.Set<String> persistedKeys() {
    java.util.Set<String> keys = new java.util.TreeSet<>();
    for (KubernetesObject o : api.listShared(SimPods.KIND)) {
      keys.add(SimPods.key((V1Pod) o));
    }
    return keys;
  }

  /** Runs the whole scenario and checks the invariants. */
  Result run() {
    try {
      return runChecked();
    } catch (IllegalStateException e) {
      violations.add(e.getMessage());
      List<String> details = new ArrayList<>(stateReport());
      details.add("events: " + config.events());
      details.add("fault classes: " + faults.describe());
      details.add("fault plan: " + config.plan().steps());
      notes.stream().limit(40).forEach(n -> details.add("note: " + n));
      net.trace().recent().forEach(t -> details.add("trace: " + t));
      return new Result(
          config.seed(),
          net.trace().hash(),
          false,
          List.copyOf(violations),
          "aborted: " + e.getMessage(),
          details,
          config.flags());
    }
  }

  private Result runChecked() {
    t0 = sched.nanoTime();
    spawn("replicaset");
    spawn("scheduler");
    for (String n : config.nodes()) {
      spawn("sm-" + n);
    }
    if (SUBSCRIBER) {
      spawn("activator");
      scheduleSubscriberFaults();
    }
    config.plan().schedule(net);
    api.setFaults(config.apiRetryable(), config.apiAmbiguous(), config.apiConflict());
    int crashIndex = 0;
    for (String e : config.events()) {
      String[] f = e.split(" ");
      if (f[0].equals("crash")) {
        String inst = f[1];
        long at = Long.parseLong(f[3]);
        long down = Long.parseLong(f[5]);
        Long back = faults.clockBackMs().get(crashIndex++);
        sched.schedule(
            () -> {
              crash(inst);
              if (back != null) {
                // The next incarnation's clock is stepped back (NTP step, VM restore, another
                // host's clock). The steps
                // of one instance add up over its crashes; the sum stays within MAX_CLOCK_BACK_MS,
                // so no two stages'
                // clocks are further apart than the engine's epoch bound (beyond it a stage is
                // refused by design).
                clockBack.merge(
                    inst, back * 1_000, (a, b) -> Math.min(a + b, MAX_CLOCK_BACK_MS * 1_000));
                net.trace().record(sched.nanoTime(), "clock-back " + inst + " " + back + "ms", 0);
              }
            },
            Duration.ofMillis(at));
        sched.schedule(() -> restart(inst), Duration.ofMillis(at + down));
      } else {
        String owner = f[1];
        long at = Long.parseLong(f[3]);
        int to = Integer.parseInt(f[5]);
        sched.schedule(() -> setDesired(owner, to), Duration.ofMillis(at));
      }
    }
    scheduleFaultClasses();
    sample();
    sched.runFor(config.horizon());

    // Quiesce: no more faults, everything running.
    net.faults().clearAll();
    api.quiesce();
    List<String> instances = new ArrayList<>();
    instances.add("replicaset");
    instances.add("scheduler");
    config.nodes().forEach(n -> instances.add("sm-" + n));
    if (SUBSCRIBER) {
      instances.add("activator");
    }
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
    checkEndState();
    if (!converged) {
      violations.add(
          "did not converge within " + CONVERGE_LIMIT.toSeconds() + " s after the faults stopped");
    } else if (!stable) {
      violations.add("converged, then diverged again within " + STABLE_FOR.toSeconds() + " s");
    }
    if (converged && stable) {
      // Every link must be back on the direct path (a stage locked out of its receiver, e.g. by a
      // hostile or
      // stepped-back epoch, converges through the API fallback but never leaves it). A link that
      // lost a
      // handshake message may take an ack timeout to come back, so wait for it, up to the deadline.
      long fbDeadline = Math.max(deadline, sched.nanoTime() + FALLBACK_GRACE.toNanos());
      while (!inFallback().isEmpty() && sched.nanoTime() < fbDeadline) {
        sched.runFor(Duration.ofMillis(50));
      }
      if (!inFallback().isEmpty()) {
        violations.add(
            "fallback: links still on the API fallback "
                + (sched.nanoTime() - convergedAt) / 1_000_000
                + " ms after converging: "
                + inFallback());
      } else if (!converged()) {
        violations.add("diverged while waiting for the links to leave the fallback");
      }
    }
    if (!converged || !stable || !violations.isEmpty()) {
      details.addAll(stateReport());
    }
    checkHistory();
    if (HEAD_VIEW && surplusCreates > 0) {
      violations.add(
          "surplus: the replicaset stage asked for "
              + surplusCreates
              + " create(s) while the owner"
              + " already had enough pods persisted or held downstream, e.g. "
              + surplusDetails);
    }
    memoryBound = Math.max(8 * 6 * 2 + 32, 5 * peakDesired + 32);
    if (maxMemory > memoryBound) {
      violations.add(
          "memory: " + maxMemory + " ephemeral+dirty objects at once, bound " + memoryBound);
    }
    for (Throwable t : sched.errors()) {
      violations.add("task threw " + t);
    }
    long virtualMs = (sched.nanoTime() - t0) / 1_000_000;
    String summary =
        (violations.isEmpty() ? "ok" : violations.size() + " violation(s)")
            + ", nodes="
            + config.nodes().size()
            + ", desired="
            + desired
            + ", crashes="
            + crashes
            + ", converged after "
            + (convergedAt - t0) / 1_000_000
            + " ms virtual, total "
            + virtualMs
            + " ms virtual, maxMemory="
            + maxMemory
            + ", pods created by sandbox managers/others="
            + createdBy("sm-")
            + "/"
            + createdByOthers()
            + ", api writes="
            + api.history().size()
            + ", trace events="
            + net.trace().events()
            + ", trace hash="
            + Long.toHexString(net.trace().hash());
    if (!violations.isEmpty()) {
      details.add(
          "config: horizon="
              + config.horizon().toMillis()
              + "ms watchDelay="
              + config.watchDelay().toMillis()
              + "ms fallbackAfter="
              + config.fallbackAfter().toMillis()
              + "ms api faults retryable="
              + fmt(config.apiRetryable())
              + " ambiguous="
              + fmt(config.apiAmbiguous())
              + " conflict="
              + fmt(config.apiConflict()));
      details.add("events: " + config.events());
      details.add("fault classes: " + faults.describe());
      hostileLog.forEach(h -> details.add("hostile: " + h + hostileAnswers));
      details.add("fault plan: " + config.plan().steps());
      notes.stream().limit(40).forEach(n -> details.add("note: " + n));
      net.trace().recent().forEach(t -> details.add("trace: " + t));
    }
    for (StageProcess p : alive.values()) {
      p.crash(); // stop timers so nothing outlives the run
    }
    twins.forEach(StageProcess::crash);
    return new Result(
        config.seed(),
        net.trace().hash(),
        violations.isEmpty(),
        List.copyOf(violations),
        summary,
        details,
        config.flags());
  }

  /** Schedules the fault classes of {@link SimFaults} drawn for this seed. */
  private void scheduleFaultClasses() {
    long horizonEnd = t0 + config.horizon().toNanos();
    if (faults.rejectFraction() > 0 || faults.rejectOwner() != null) {
      long from = t0 + faults.rejectFrom() * 1_000_000L;
      long until = t0 + faults.rejectUntil() * 1_000_000L;
      api.rejectCreates(
          o -> {
            if (!(o instanceof V1Pod pod)) {
              return false;
            }
            long now = sched.nanoTime();
            boolean owner =
                faults.rejectOwner() != null
                    && faults.rejectOwner().equals(SimPods.owner(pod))
                    && now >= from
                    && now < until;
            boolean name =
                Math.floorMod(SimFaults.mix(config.seed() + 1, pod.getMetadata().getName()), 1000)
                    < faults.rejectFraction() * 1000;
            return owner || name;
          });
    }
    if (faults.evictionRate() > 0) {
      api.onCreate(
          o -> {
            if (sched.nanoTime() >= horizonEnd
                || faultRandom.nextDouble() >= faults.evictionRate()) {
              return;
            }
            String ns = o.getMetadata().getNamespace();
            String name = o.getMetadata().getName();
            String uid = o.getMetadata().getUid();
            // Evicted (or deleted by a user) right after it appeared: its status write-back is
            // still in flight.
            sched.schedule(
                () -> {
                  evictions++;
                  api.delete("evictor", SimPods.KIND, ns, name, uid);
                },
                Duration.ofNanos(faultRandom.nextInt(15_000_000)));
          });
    }
    SimFaults.Burst burst = faults.burst();
    if (burst != null) {
      sched.schedule(
          () -> {
            setDesired(burst.owner(), burst.to());
            burstArmed = true;
          },
          Duration.ofMillis(burst.at()));
      io.kubedirect.transport.inmemory.FaultSpec busy =
          io.kubedirect.transport.inmemory.FaultSpec.builder()
              .delay(Duration.ofMillis(burst.busyMs() / 2), Duration.ofMillis(burst.busyMs()))
              .build();
      if (burst.busyMs() > 0) {
        sched.schedule(
            () -> net.faults().setLink("replicaset", "scheduler", busy),
            Duration.ofMillis(burst.at()));
      }
      api.onCreate(
          o -> {
            if (burstArmed && o instanceof V1Pod pod && burst.owner().equals(SimPods.owner(pod))) {
              // Scale down as soon as the first pod of the burst is persisted (as in the real
              // slice's test).
              burstArmed = false;
              sched.schedule(
                  () -> setDesired(burst.owner(), burst.down()),
                  Duration.ofNanos(faultRandom.nextInt(3_000_000)));
              if (burst.busyMs() > 0) {
                // Busy until a second after the scale-down (then the random plan's faults of that
                // link, if any, are
                // gone too; they are over at the horizon anyway).
                sched.schedule(
                    () -> net.faults().clearLink("replicaset", "scheduler"), Duration.ofSeconds(1));
              }
            }
          });
    }
    for (long at : faults.headDeletesAt()) {
      sched.schedule(
          () -> {
            if (alive.get("replicaset") instanceof ReplicaSetProcess rs) {
              String key = rs.deleteOne(faultRandom);
              net.trace().record(sched.nanoTime(), "head-delete " + key, 0);
            }
          },
          Duration.ofMillis(at));
    }
    SimFaults.Hostile h = faults.hostile();
    if (h != null) {
      sched.schedule(
          () -> {
            boolean toScheduler = h.target().equals("scheduler");
            io.kubedirect.transport.PeerAddress addr =
                toScheduler
                    ? SchedulerProcess.ADDRESS
                    : SandboxManagerProcess.address(h.target().substring("sm-".length()));
            long clock = clockOf(h.target()).getAsLong();
            long epoch =
                switch (h.kind()) {
                  case "max" -> Long.MAX_VALUE;
                  case "+1h" -> clock + 3_600_000_000L;
                  default -> clock + 20_000_000L;
                };
            net.trace()
                .record(
                    sched.nanoTime(),
                    "hostile handshake as " + h.asStage() + " to " + h.target() + " epoch " + epoch,
                    0);
            hostileLog.add(
                ms(sched.nanoTime())
                    + "ms as "
                    + h.asStage()
                    + " to "
                    + h.target()
                    + " epoch "
                    + epoch
                    + " ("
                    + h.kind()
                    + "), answered: ");
            HostilePeer.forge(
                net,
                h.asStage(),
                addr,
                toScheduler ? "scheduler" : "sandbox-manager",
                epoch,
                hostileAnswers);
          },
          Duration.ofMillis(h.at()));
    }
    SimFaults.WatchGap gap = faults.watchGap();
    if (gap != null) {
      sched.schedule(
          () -> {
            List<String> gaps = api.watchGaps(Duration.ofMillis(gap.maxGapMs()));
            net.trace().record(sched.nanoTime(), "watch gaps " + gaps, 0);
          },
          Duration.ofMillis(gap.at()));
    }
    SimFaults.HeadPartition hp = faults.headPartition();
    if (hp != null) {
      sched.schedule(() -> partitionHeadWhileSchedulerHoldsPods(hp), Duration.ofMillis(hp.at()));
    }
    SimFaults.Twin twin = faults.twin();
    if (twin != null) {
      sched.schedule(
          () -> {
            String name = twin.instance() + "-twin";
            int inc = incarnations.merge(name, 1, Integer::sum);
            TwinProcess p = new TwinProcess(this, twin.instance(), inc);
            twins.add(p);
            net.trace().record(sched.nanoTime(), "start " + name + "#" + inc, 0);
            p.start();
            sched.schedule(
                () -> {
                  net.trace().record(sched.nanoTime(), "crash-process " + name + "#" + inc, 0);
                  p.crash();
                },
                Duration.ofMillis(twin.forMs()));
          },
          Duration.ofMillis(twin.at()));
    }
  }

  /**
   * The headPartition class: waits (10 ms steps) for the scheduler to hold a pod in memory only,
   * then cuts.
   */
  private void partitionHeadWhileSchedulerHoldsPods(SimFaults.HeadPartition hp) {
    if (!(alive.get("scheduler") instanceof SchedulerProcess s) || s.ephemeralPods().isEmpty()) {
      if (ms(sched.nanoTime()) < config.horizon().toMillis()) {
        sched.schedule(() -> partitionHeadWhileSchedulerHoldsPods(hp), Duration.ofMillis(10));
      }
      return;
    }
    long forMs = config.fallbackAfter().toMillis() + hp.extraMs();
    net.trace()
        .record(
            sched.nanoTime(),
            "head-partition for " + forMs + "ms, scheduler holds " + s.ephemeralPods().size(),
            0);
    net.faults().partition("replicaset", "scheduler");
    sched.schedule(() -> net.faults().heal("replicaset", "scheduler"), Duration.ofMillis(forMs));
  }

  /**
   * End-state oracles of the fault classes (run once the run converged or gave up):
   *
   * <ul>
   *   <li>scale-down honoured: per owner, the persisted pods equal the desired count after the last
   *       scale change (reported with which surplus pods the head had deleted);
   *   <li>delete honoured: no pod is created in the API after the head's delete of it completed OK,
   *       and none the head deleted OK is persisted at the end;
   *   <li>rejections: no stage holds a pod whose create the API Server rejected (and failed to
   *       create since), and the head's view does not show one (no phantom replica).
   * </ul>
   */
  private void checkEndState() {
    Map<String, Integer> count = new TreeMap<>();
    Map<String, List<String>> deletedButPersisted = new TreeMap<>();
    java.util.Set<String> persistedKeys = new java.util.HashSet<>();
    for (KubernetesObject o : api.listShared(SimPods.KIND)) {
      V1Pod pod = (V1Pod) o;
      String owner = SimPods.owner(pod);
      count.merge(owner, 1, Integer::sum);
      persistedKeys.add(SimPods.key(pod));
      if (headDeleted.containsKey(SimPods.key(pod))) {
        deletedButPersisted
            .computeIfAbsent(owner, k -> new ArrayList<>())
            .add(pod.getMetadata().getName());
      }
    }
    for (Map.Entry<String, Integer> d : desired.entrySet()) {
      int have = count.getOrDefault(d.getKey(), 0);
      if (have != d.getValue()) {
        violations.add(
            "scale: owner "
                + d.getKey()
                + " has "
                + have
                + " persisted pods at the end, desired "
                + d.getValue()
                + (deletedButPersisted.containsKey(d.getKey())
                    ? "; persisted although the head's delete"
                        + " completed OK: "
                        + deletedButPersisted.get(d.getKey())
                    : ""));
      }
    }
    for (SimulatedApiServer.Write w : api.history()) {
      long[] del = headDeleted.get(w.key());
      if (w.op().equals("create") && w.applied() && del != null && w.nanos() > del[0]) {
        createdAfterDelete++;
        if (!config.switches().on("deleteOracle") || twinFallbackDeletes.contains(w.key())) {
          continue;
        }
        violations.add(
            "delete-honoured: "
                + w.key()
                + " created by "
                + w.writer()
                + " at "
                + ms(w.nanos())
                + " ms, after "
                + headDeletedBy.get(w.key())
                + "'s delete of it (issued at "
                + ms(del[1])
                + " ms) had completed OK at "
                + ms(del[0])
                + " ms");
      }
    }
    java.util.Set<String> rejected = new java.util.TreeSet<>();
    for (SimulatedApiServer.Write w : api.history()) {
      if (w.op().equals("create") && w.status() == io.kubedirect.api.WriteResult.Status.FAILED) {
        rejectedCreates++;
        rejected.add(w.key());
      }
    }
    rejected.removeAll(persistedKeys);
    if (!rejected.isEmpty()) {
      for (StageProcess p : alive.values()) {
        List<String> held = new ArrayList<>();
        for (V1Pod e : p.ephemeralPods()) {
          if (rejected.contains(SimPods.key(e))) {
            held.add(SimPods.key(e));
          }
        }
        if (p instanceof ReplicaSetProcess rs) {
          for (V1Pod v : rs.view().values()) {
            if (rejected.contains(SimPods.key(v))) {
              held.add(SimPods.key(v) + " (in its view: counted as a replica)");
            }
          }
        }
        if (!held.isEmpty()) {
          violations.add(
              "rejected: "
                  + p.instance
                  + "#"
                  + p.incarnation
                  + " still holds pods the API Server"
                  + " rejected: "
                  + held
                  + " (dirty="
                  + p.engine.dirtyCount()
                  + ")");
        }
      }
    }
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

  /** Links (stage instance -> addresses) currently on the API fallback. */
  private Map<String, List<io.kubedirect.transport.PeerAddress>> inFallback() {
    Map<String, List<io.kubedirect.transport.PeerAddress>> out = new TreeMap<>();
    for (StageProcess p : alive.values()) {
      if (!p.fallbackAddresses().isEmpty()) {
        out.put(p.instance, p.fallbackAddresses());
      }
    }
    return out;
  }

  private boolean converged() {
    if (alive.size() != 2 + config.nodes().size() + (SUBSCRIBER ? 1 : 0)) {
      return false;
    }
    if (SUBSCRIBER
        && alive.get("activator") instanceof ActivatorProcess a
        && !a.persisted.keySet().equals(persistedKeys())) {
      return false; // its own informer view must show exactly the stored pods
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
      out.add(
          "persisted "
              + SimPods.key(pod)
              + " node="
              + SimPods.nodeName(pod)
              + " ready="
              + SimPods.isReady(pod)
              + " rv="
              + pod.getMetadata().getResourceVersion());
    }
    out.add("persisted per owner " + count + ", desired " + desired);
    for (StageProcess p : alive.values()) {
      out.add(
          "stage "
              + p.describe()
              + (p.fallbackAddresses().isEmpty()
                  ? ""
                  : " IN FALLBACK to " + p.fallbackAddresses()));
      for (V1Pod e : p.ephemeralPods()) {
        out.add("  holds " + SimPods.key(e) + " node=" + SimPods.nodeName(e));
      }
    }
    return out;
  }

  /**
   * No pod name created (applied) twice: a deleted pod must not come back, a retried create must
   * not double.
   */
  private void checkHistory() {
    violations.addAll(resurrections(api.history()));
    api.history().stream()
        .filter(w -> w.writer().startsWith("activator#"))
        .findFirst()
        .ifPresent(
            w -> violations.add("subscriber wrote: the activator " + w.op() + " " + w.key()));
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
          violations.add(
              "pod " + w.key() + " created twice (deleted, then resurrected): " + writes);
        }
      }
    }
    return violations;
  }

  private long createdBy(String writerPrefix) {
    return api.history().stream()
        .filter(w -> w.op().equals("create") && w.applied() && w.writer().startsWith(writerPrefix))
        .count();
  }

  private long createdByOthers() {
    return api.history().stream()
        .filter(w -> w.op().equals("create") && w.applied() && !w.writer().startsWith("sm-"))
        .count();
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
    all.addAll(twins);
    for (StageProcess p : all) {
      applied += p.fence.appliedBatches();
      stale += p.fence.staleArrivals();
    }
    return new long[] {applied, stale};
  }
}
