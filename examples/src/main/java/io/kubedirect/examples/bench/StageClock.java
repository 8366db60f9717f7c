package io.kubedirect.examples.bench;

import io.kubedirect.examples.faas.common.StageTimeLog;
import io.kubedirect.examples.faas.common.StageTimes;
import java.util.List;

/**
 * The stage times of a chain running in this JVM: a {@link StageTimeLog} installed as the JVM's
 * {@link StageTimes} recorder, so each stage's reconcile starts and the autoscaler's scale changes
 * are recorded; {@link #snapshot()} reads them. (In process mode each stage process keeps its own
 * log and serves it on {@code /stage-times}; {@link BenchChain#stageTimes()} merges them.)
 */
public final class StageClock implements AutoCloseable {

  /** The controller stages in chain order, as they report to {@link StageTimes}. */
  public static final List<String> STAGES =
      List.of("autoscaler", "deployment", "replicaset", "scheduler", "sandbox-manager");

  private final StageTimeLog log = new StageTimeLog();

  private StageClock() {}

  /** A clock installed as this JVM's {@link StageTimes} recorder until {@link #close()}. */
  public static StageClock install() {
    StageClock c = new StageClock();
    StageTimes.install(c.log);
    return c;
  }

  /** Forgets everything recorded so far (call right before the measured requests). */
  public void reset() {
    log.clear();
  }

  /** What was recorded since the last {@link #reset()}. */
  public StageTimeLog.Snapshot snapshot() {
    return log.snapshot();
  }

  /** Uninstalls the recorder. */
  @Override
  public void close() {
    StageTimes.uninstall(log);
  }
}
