package io.kubedirect.it.faults;

import java.util.ArrayList;
import java.util.List;

/**
 * One row of the fault matrix: a fault, where it strikes (a stage or a link), the state of the
 * burst at which it strikes, and the workload.
 *
 * @param fault what happens
 * @param target the stage killed ({@code replicaset}, {@code scheduler}, {@code sandbox-manager})
 *     or the link partitioned ({@link FaultySlice#RS_TO_SCHEDULER}, {@link
 *     FaultySlice#SCHEDULER_TO_SM}); {@code api-server} for a restart of kube-apiserver; the stage
 *     that gets a twin ({@code scheduler})
 * @param point the state of the burst when the fault strikes
 * @param workload what the function's owner does
 */
record FaultScenario(Fault fault, String target, Point point, Workload workload) {

  /** The faults. */
  enum Fault {
    /** Stop the stage (all its memory dropped) and start it again at once. */
    KILL("kill"),
    /** Partition the link until its upstream is past the fallback deadline, then heal it. */
    PARTITION("partition"),
    /** Restart kube-apiserver (same etcd). */
    API_RESTART("restart"),
    /**
     * Every pod of the burst is rejected by admission (403: the template names a PriorityClass that
     * does not exist): nothing may be counted as a replica, and no stage may keep the rejected
     * pods.
     */
    REJECT("reject"),
    /**
     * A second live instance of the stage (same stage name, its own listen port) dials the same
     * downstreams until the two have fenced each other once, then stops: no object may be lost or
     * duplicated.
     */
    TWIN("twin");

    final String label;

    Fault(String label) {
      this.label = label;
    }
  }

  /** Fault points, chosen by state, not by time. */
  enum Point {
    /**
     * The tail's API writes are held, the sandbox managers hold at least a quarter of the burst in
     * memory and the API Server shows none of it: everything is only in memory.
     */
    IN_MEMORY("in-memory"),
    /**
     * Natural burst (nothing held): at least one pod of the burst is persisted, a sandbox manager
     * still holds unpersisted pods (its write-back creates are pending or on the wire), and not all
     * are Ready.
     */
    WRITE_BACK_IN_FLIGHT("write-backs-in-flight"),
    /**
     * Natural burst: at least a fifth of the desired pods are Ready (where DirectSliceIT kills a
     * stage).
     */
    AFTER_READY("after-ready"),
    /** From the start of the burst (for {@link Fault#REJECT}). */
    FROM_START("from-start");

    final String label;

    Point(String label) {
      this.label = label;
    }
  }

  /** Workloads. */
  enum Workload {
    /** 0 -> N. */
    SCALE_UP("scale-up"),
    /**
     * 0 -> N, then -> N/2 as soon as the first pod is persisted (at the fault point if that comes
     * first).
     */
    SCALE_DOWN("scale-down"),
    /** 0 -> N, then the ReplicaSet is deleted (background propagation) right before the fault. */
    OWNER_DELETE("owner-delete");

    final String label;

    Workload(String label) {
      this.label = label;
    }
  }

  static final List<String> STAGES = List.of("replicaset", "scheduler", "sandbox-manager");
  static final List<String> LINKS =
      List.of(FaultySlice.RS_TO_SCHEDULER, FaultySlice.SCHEDULER_TO_SM);

  /** "kill scheduler @ in-memory x scale-down". */
  String name() {
    return fault.label + " " + target + " @ " + point.label + " x " + workload.label;
  }

  @Override
  public String toString() {
    return name();
  }

  /**
   * The full matrix: each stage killed at the three points; each link partitioned and
   * kube-apiserver restarted and a twin scheduler started at the in-memory and the write-back
   * points; all with the three workloads.
   */
  static List<FaultScenario> fullMatrix() {
    List<FaultScenario> rows = new ArrayList<>();
    for (String stage : STAGES) {
      for (Point p : Point.values()) {
        for (Workload w : Workload.values()) {
          rows.add(new FaultScenario(Fault.KILL, stage, p, w));
        }
      }
    }
    for (String link : LINKS) {
      for (Point p : List.of(Point.IN_MEMORY, Point.WRITE_BACK_IN_FLIGHT)) {
        for (Workload w : Workload.values()) {
          rows.add(new FaultScenario(Fault.PARTITION, link, p, w));
        }
      }
    }
    for (Point p : List.of(Point.IN_MEMORY, Point.WRITE_BACK_IN_FLIGHT)) {
      for (Workload w : Workload.values()) {
        rows.add(new FaultScenario(Fault.API_RESTART, "api-server", p, w));
      }
    }
    for (Point p : List.of(Point.IN_MEMORY, Point.WRITE_BACK_IN_FLIGHT)) {
      for (Workload w : Workload.values()) {
        rows.add(new FaultScenario(Fault.TWIN, "scheduler", p, w));
      }
    }
    rows.add(REJECTION);
    return rows;
  }

  /** All pods rejected at admission, scale-up (finding 2 of issue #7: phantom replicas). */
  static final FaultScenario REJECTION =
      new FaultScenario(Fault.REJECT, "admission", Point.FROM_START, Workload.SCALE_UP);

  /**
   * The default-suite subset: the dangerous windows (a kill while the burst is only in memory, a
   * scale-down mid-burst), about a minute of work each.
   */
  static List<FaultScenario> defaultSubset() {
    return List.of(
        new FaultScenario(Fault.KILL, "replicaset", Point.IN_MEMORY, Workload.SCALE_DOWN),
        new FaultScenario(Fault.KILL, "scheduler", Point.IN_MEMORY, Workload.SCALE_UP),
        new FaultScenario(Fault.KILL, "sandbox-manager", Point.IN_MEMORY, Workload.SCALE_UP),
        new FaultScenario(
            Fault.KILL, "sandbox-manager", Point.WRITE_BACK_IN_FLIGHT, Workload.SCALE_DOWN),
        REJECTION);
  }
}
