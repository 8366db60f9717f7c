package io.kubedirect.examples.faas.direct;

import io.kubedirect.examples.faas.common.ControllerRunner;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.runtime.KubeDirect;
import io.kubernetes.client.extended.controller.Controller;
import io.kubernetes.client.informer.SharedInformerFactory;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a retrofitted stage's controller like {@link ControllerRunner}, but only while the stage's
 * {@link KubeDirect} leads: it starts the runtime, starts the controller (its informers and workers) from
 * {@link KubeDirect#leadershipAcquired()} (at once without leader election), and when
 * {@link KubeDirect#leadershipLost()} completes (the runtime has already stopped the links and the write-back)
 * it starts the whole stage over as a standby, with all in-memory state dropped, as a restarted process would.
 */
final class LeaderRunner {

  private static final Logger log = LoggerFactory.getLogger(LeaderRunner.class);

  private final KubeDirect kd;
  private final SliceStage stage;
  private final String name;
  private ControllerRunner controller; // guarded by this
  private boolean stopped; // guarded by this

  private LeaderRunner(KubeDirect kd, SliceStage stage, String name) {
    this.kd = kd;
    this.stage = stage;
    this.name = name;
  }

  /** Starts {@code kd}, and {@code controller} on {@code factory} whenever {@code kd} leads. */
  static LeaderRunner start(KubeDirect kd, SharedInformerFactory factory, Controller controller, String name,
      SliceStage stage) {
    LeaderRunner r = new LeaderRunner(kd, stage, name);
    kd.start();
    kd.leadershipAcquired().thenRun(() -> r.lead(factory, controller));
    kd.leadershipLost().thenRun(r::startOverAsStandby);
    return r;
  }

  private synchronized void lead(SharedInformerFactory factory, Controller c) {
    if (!stopped) {
      controller = ControllerRunner.start(factory, c, name);
    }
  }

  /** Stops the controller if it runs (the stage closes its {@code KubeDirect} itself). */
  void stop() {
    ControllerRunner c;
    synchronized (this) {
      stopped = true;
      c = controller;
      controller = null;
    }
    if (c != null) {
      c.stop();
    }
  }

  /** Whether this replica leads (always, once started, without leader election). */
  boolean isLeader() {
    return kd.isLeader();
  }

  /**
   * Whether the stage acts on a complete view: a leader once its controller's informers synced, a standby at
   * once (it acts on nothing, and a rolling update must be able to count it as available).
   */
  boolean synced(BooleanSupplier informersSynced) {
    synchronized (this) {
      if (controller != null) {
        return informersSynced.getAsBoolean();
      }
    }
    return !kd.isLeader();
  }

  /** On a thread of its own: the runtime reports the loss on its election threads, which the stop closes. */
  private void startOverAsStandby() {
    Thread t = new Thread(() -> {
      synchronized (stage) {
        synchronized (this) {
          if (stopped) {
            return; // the stage was stopped or restarted meanwhile
          }
        }
        log.warn("{} lost its Lease: starting over as a standby", name);
        stage.stop();
        stage.start();
      }
    }, name + "-start-over");
    t.setDaemon(true);
    t.start();
  }
}
