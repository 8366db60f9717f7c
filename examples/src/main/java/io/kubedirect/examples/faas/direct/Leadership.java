package io.kubedirect.examples.faas.direct;

import io.kubedirect.examples.faas.common.ControllerRunner;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.runtime.KubeDirect;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the retrofitted example stages follow their {@link KubeDirect}'s leadership. Each stage starts its
 * controller (informers and workers) from {@link KubeDirect#leadershipAcquired()}, so a standby replica runs
 * nothing; and when {@link KubeDirect#leadershipLost()} completes (the runtime has already stopped the links
 * and the write-back), the stage starts over as a standby, with all in-memory state dropped, as a restarted
 * process would.
 */
final class Leadership {

  private static final Logger log = LoggerFactory.getLogger(Leadership.class);

  private Leadership() {}

  /**
   * Stops {@code stage} and starts it again, on a thread of its own (the runtime reports the loss on its
   * leader-election threads, which the stop closes), unless it was stopped or restarted meanwhile, i.e. its
   * current runtime is no longer {@code replica}.
   */
  static void startOverAsStandby(String name, SliceStage stage, KubeDirect replica, Supplier<KubeDirect> current) {
    Thread t = new Thread(() -> {
      synchronized (stage) {
        if (current.get() != replica) {
          return;
        }
        log.warn("{} lost its Lease: starting over as a standby", name);
        stage.stop();
        stage.start();
      }
    }, name + "-start-over");
    t.setDaemon(true);
    t.start();
  }

  /**
   * {@link SliceStage#hasSynced()} of a replicated stage: a leader once its controller's informers synced, a
   * standby at once (it is ready to take over, and a rolling update must be able to count it as available).
   */
  static boolean synced(boolean started, KubeDirect kd, ControllerRunner runner, BooleanSupplier informersSynced) {
    if (!started || kd == null) {
      return false;
    }
    return runner != null ? informersSynced.getAsBoolean() : !kd.isLeader();
  }
}
