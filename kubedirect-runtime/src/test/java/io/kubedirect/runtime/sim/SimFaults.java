package io.kubedirect.runtime.sim;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The fault classes added for issue #7 (item 8), their switches, and one seed's draw of them.
 *
 * <p>Every class has a switch {@code -Dkubedirect.sim.<class>=true|false}. The draws come from
 * their own {@link Random} (seeded from the seed only, never from the scheduler's), all made
 * whatever the switches say, so turning one class off does not change what the others draw; with
 * every class here off, a seed runs exactly as before these classes existed.
 *
 * <p>Two groups: {@link #PASSING} classes the engine passed first, and {@link #PENDING} classes
 * that reproduced engine bugs of issue #7 until they were fixed (docs/design.md §12.3, §12.4). Both
 * are on by default; {@code -Dkubedirect.sim.pending=false} turns the second group off.
 */
final class SimFaults {

  /**
   * Whether the classes of {@link #PENDING} are on by default (they are since the fixes of §12.4).
   */
  static final boolean PENDING_DEFAULT =
      Boolean.parseBoolean(System.getProperty("kubedirect.sim.pending", "true"));

  /** Classes the current engine passes: on by default. */
  static final List<String> PASSING =
      List.of("exposeOnReceipt", "evictions", "headDeletes", "twins");

  /**
   * Classes that reproduced engine bugs of issue #7 (on by default since they were fixed): finding
   * 1 (deleteOracle: the oracle "a delete that completed OK removed the object", which fails on the
   * current engine even with the old fault model; burstScaleDown: the real slice's scenario;
   * sandboxDelay: makes it and finding 6 frequent, and exposes a resurrection with
   * expose-on-receipt and evictions), 2 (rejections), 4 (hostileEpoch), 5 (clockSteps), and the
   * fault matrix's class C (headPartition: a partition of the head's link, replicaset -> scheduler,
   * that outlasts the fallback deadline, cut while the scheduler holds pods of the head in memory
   * only; docs/reliability.md §6a). Findings 3 (evictions, headDeletes), 6 (twins) and 7
   * (exposeOnReceipt) pass alone and are on by default.
   */
  static final List<String> PENDING =
      List.of(
          "deleteOracle",
          "sandboxDelay",
          "burstScaleDown",
          "rejections",
          "hostileEpoch",
          "clockSteps",
          "headPartition");

  /**
   * Classes that reproduce open engine issues: off by default ({@code
   * -Dkubedirect.sim.<class>=true} turns one on): watchGaps (docs/design.md §13.3, "Open").
   */
  static final List<String> OPEN = List.of("watchGaps");

  /** The switches in effect (for reports and replay lines). */
  record Switches(Map<String, Boolean> on) {

    static Switches fromSystemProperties() {
      Map<String, Boolean> m = new LinkedHashMap<>();
      for (String c : PASSING) {
        m.put(c, Boolean.parseBoolean(System.getProperty("kubedirect.sim." + c, "true")));
      }
      for (String c : PENDING) {
        m.put(
            c,
            Boolean.parseBoolean(
                System.getProperty("kubedirect.sim." + c, Boolean.toString(PENDING_DEFAULT))));
      }
      for (String c : OPEN) {
        m.put(c, Boolean.getBoolean("kubedirect.sim." + c));
      }
      return new Switches(m);
    }

    /** Every class off (the simulation as it was before these classes). */
    static Switches none() {
      Map<String, Boolean> m = new LinkedHashMap<>();
      PASSING.forEach(c -> m.put(c, false));
      PENDING.forEach(c -> m.put(c, false));
      OPEN.forEach(c -> m.put(c, false));
      return new Switches(m);
    }

    /** Only {@code classes} on. */
    static Switches only(String... classes) {
      Switches s = none();
      for (String c : classes) {
        if (!s.on.containsKey(c)) {
          throw new IllegalArgumentException("no fault class " + c);
        }
        s.on.put(c, true);
      }
      return s;
    }

    boolean on(String c) {
      return on.getOrDefault(c, false);
    }

    /** The system properties that reproduce these switches. */
    String flags() {
      StringBuilder sb = new StringBuilder();
      on.forEach((k, v) -> sb.append(" -Dkubedirect.sim.").append(k).append('=').append(v));
      return sb.toString();
    }
  }

  /**
   * A burst: at {@code at} ms scale {@code owner} to {@code to}, then to {@code down} once its
   * first pod is persisted; with {@code busyMs > 0} the scheduler is busy from the burst until a
   * second after the scale-down (its link from the ReplicaSet stage delays messages by
   * busyMs/2..busyMs, as a scheduler working through a burst answers late); with {@code lagMs > 0}
   * the ReplicaSet controller's work queue runs a reconcile only lagMs after the event that asked
   * for it (events in between coalesce, as in a controller busy with a burst), so it may not run
   * while a deleted pod is briefly absent from its view.
   */
  record Burst(String owner, long at, int to, int down, long busyMs, long lagMs) {}

  /**
   * A forged handshake at {@code at} ms: as {@code asStage} to the receiver {@code target}, epoch
   * by {@code kind}.
   */
  record Hostile(long at, String asStage, String target, String kind) {}

  /**
   * A second live instance of {@code instance} (same stage name) from {@code at} ms for {@code
   * forMs}.
   */
  record Twin(String instance, long at, long forMs) {}

  /**
   * A partition of replicaset <-> scheduler from the first moment after {@code at} ms at which the
   * scheduler holds a pod in memory only, for the fallback deadline plus {@code extraMs} (so the
   * head writes through the API Server while the scheduler's copies are bound and on their way to a
   * sandbox manager).
   */
  record HeadPartition(long at, long extraMs) {}

  /**
   * The watchGaps class: an API Server restart as the informers see it. At {@code at} ms every
   * process's feed loses its watch for up to {@code maxGapMs} (each its own draw) and then relists:
   * an object created and deleted inside a stage's gap is never shown to its engine.
   */
  record WatchGap(long at, long maxGapMs) {}

  /** One seed's draw; a field is empty/zero when its class is off or not drawn for this seed. */
  record Plan(
      long sandboxMaxDelayMs,
      boolean exposeOnReceipt,
      double evictionRate,
      Burst burst,
      List<Long> headDeletesAt,
      double rejectFraction,
      String rejectOwner,
      long rejectFrom,
      long rejectUntil,
      Hostile hostile,
      Map<Integer, Long> clockBackMs,
      Twin twin,
      HeadPartition headPartition,
      WatchGap watchGap) {

    String describe() {
      List<String> out = new ArrayList<>();
      if (sandboxMaxDelayMs > 0) {
        out.add("sandboxDelay<=" + sandboxMaxDelayMs + "ms");
      }
      if (exposeOnReceipt) {
        out.add("exposeOnReceipt");
      }
      if (evictionRate > 0) {
        out.add(String.format("evictions=%.2f", evictionRate));
      }
      if (burst != null) {
        out.add(
            "burst "
                + burst.owner()
                + " to "
                + burst.to()
                + " at "
                + burst.at()
                + "ms, down to "
                + burst.down()
                + " at first persisted"
                + (burst.busyMs() > 0 ? ", scheduler busy " + burst.busyMs() + "ms" : "")
                + (burst.lagMs() > 0 ? ", controller lag " + burst.lagMs() + "ms" : ""));
      }
      if (!headDeletesAt.isEmpty()) {
        out.add("headDeletes at " + headDeletesAt);
      }
      if (rejectFraction > 0) {
        out.add(String.format("reject %.2f of names", rejectFraction));
      }
      if (rejectOwner != null) {
        out.add("reject owner " + rejectOwner + " in [" + rejectFrom + "," + rejectUntil + ")ms");
      }
      if (hostile != null) {
        out.add("hostile " + hostile);
      }
      if (!clockBackMs.isEmpty()) {
        out.add("clock back (crash# -> ms) " + clockBackMs);
      }
      if (twin != null) {
        out.add("twin " + twin);
      }
      if (headPartition != null) {
        out.add("headPartition " + headPartition);
      }
      if (watchGap != null) {
        out.add("watchGap " + watchGap);
      }
      return String.join(", ", out);
    }
  }

  private SimFaults() {}

  /**
   * Draws the plan of {@code seed} for a chain with {@code nodeCount} sandbox managers, {@code
   * crashCount} crash events and the given horizon.
   */
  static Plan draw(long seed, Switches sw, long horizonMs, int nodeCount, int crashCount) {
    Random r = new Random(seed * 0x9E3779B97F4A7C15L + 0x5EED_F00DL);
    // Draw everything first, in a fixed order, then apply the switches.
    long sandbox = r.nextInt(4) == 0 ? 0 : 20 + r.nextInt(r.nextBoolean() ? 200 : 1500);
    boolean expose = r.nextBoolean();
    double evict = r.nextInt(3) == 0 ? 0.05 + r.nextDouble() * 0.25 : 0;
    Burst burst = null;
    if (r.nextInt(2) == 0) {
      String owner = r.nextBoolean() ? "web" : "api";
      int to = 10 + r.nextInt(15);
      long at = (long) (horizonMs * (0.05 + 0.5 * r.nextDouble()));
      long busy = r.nextBoolean() ? 0 : 20 + r.nextInt(130);
      burst = new Burst(owner, at, to, to / 4, busy, r.nextBoolean() ? 0 : 10 + r.nextInt(90));
    }
    List<Long> deletes = new ArrayList<>();
    int nDeletes = r.nextInt(3) == 0 ? 1 + r.nextInt(4) : 0;
    for (int i = 0; i < nDeletes; i++) {
      deletes.add((long) (horizonMs * r.nextDouble()));
    }
    deletes.sort(null);
    double rejectFraction = r.nextInt(4) == 0 ? 0.1 + 0.25 * r.nextDouble() : 0;
    String rejectOwner = null;
    long rejectFrom = 0;
    long rejectUntil = 0;
    if (r.nextInt(4) == 0) {
      rejectOwner = r.nextBoolean() ? "web" : "api";
      rejectFrom = (long) (horizonMs * 0.6 * r.nextDouble());
      rejectUntil = rejectFrom + 200 + r.nextInt(1500);
    }
    Hostile hostile = null;
    if (r.nextInt(4) == 0) {
      long at = (long) (horizonMs * 0.8 * r.nextDouble());
      boolean toScheduler = r.nextInt(3) == 0;
      String kind =
          switch (r.nextInt(3)) {
            case 0 -> "max";
            case 1 -> "+1h";
            default -> "+20s";
          };
      hostile =
          toScheduler
              ? new Hostile(at, "replicaset", "scheduler", kind)
              : new Hostile(at, "scheduler", "sm-node-" + (1 + r.nextInt(nodeCount)), kind);
    }
    Map<Integer, Long> clockBack = new LinkedHashMap<>();
    for (int i = 0; i < crashCount; i++) {
      int k = r.nextInt(6);
      if (k < 3) {
        // Steps within the engine's bound (EngineLimits.maxEpochSkew, 60 s); a step beyond it is
        // refused like a
        // hostile value and the stage serves through the API Server (EpochAbuseTest covers that
        // case).
        clockBack.put(i, k == 0 ? 2_000L : k == 1 ? 30_000L : 50_000L);
      }
    }
    Twin twin = null;
    if (r.nextInt(4) == 0) {
      String instance = r.nextBoolean() ? "scheduler" : "replicaset";
      long at = (long) (horizonMs * 0.7 * r.nextDouble());
      twin = new Twin(instance, at, 100 + r.nextInt(1500));
    }
    HeadPartition headPartition = null;
    if (r.nextInt(2) == 0) {
      headPartition =
          new HeadPartition((long) (horizonMs * 0.5 * r.nextDouble()), 100 + r.nextInt(1500));
    }
    WatchGap watchGap = null;
    if (r.nextInt(2) == 0) {
      watchGap = new WatchGap((long) (horizonMs * 0.6 * r.nextDouble()), 200 + r.nextInt(2000));
    }
    return new Plan(
        sw.on("sandboxDelay") ? sandbox : 0,
        sw.on("exposeOnReceipt") && expose,
        sw.on("evictions") ? evict : 0,
        sw.on("burstScaleDown") ? burst : null,
        sw.on("headDeletes") ? deletes : List.of(),
        sw.on("rejections") ? rejectFraction : 0,
        sw.on("rejections") ? rejectOwner : null,
        rejectFrom,
        rejectUntil,
        sw.on("hostileEpoch") ? hostile : null,
        sw.on("clockSteps") ? clockBack : Map.of(),
        sw.on("twins") ? twin : null,
        sw.on("headPartition") ? headPartition : null,
        sw.on("watchGaps") ? watchGap : null);
  }

  /**
   * A stable 64-bit mix of the seed and a name (for per-pod draws that do not depend on scheduling
   * order).
   */
  static long mix(long seed, String name) {
    long h = seed * 0x9E3779B97F4A7C15L;
    for (int i = 0; i < name.length(); i++) {
      h = (h ^ name.charAt(i)) * 0x100000001B3L;
    }
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    return h;
  }
}
