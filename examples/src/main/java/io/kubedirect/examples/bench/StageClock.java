package io.kubedirect.examples.bench;

import io.kubedirect.examples.faas.common.StageTimes;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Records, for each stage of a chain running in this JVM, when it first started to reconcile each
 * object (through {@link StageTimes}) since the last {@link #reset()}. {@link #first} maps the
 * objects back to functions: a function's Deployment is named as the function, its ReplicaSets
 * {@code <function>-<hash>} and its pods {@code <function>-<hash>-<suffix>}.
 */
public final class StageClock implements StageTimes.Recorder, AutoCloseable {

  /** The controller stages in chain order, as they report to {@link StageTimes}. */
  public static final List<String> STAGES =
      List.of("autoscaler", "deployment", "replicaset", "scheduler", "sandbox-manager");

  private final Map<String, Map<String, Long>> firstByStage = new ConcurrentHashMap<>();

  private StageClock() {}

  /** A clock installed as this JVM's {@link StageTimes} recorder until {@link #close()}. */
  public static StageClock install() {
    StageClock c = new StageClock();
    StageTimes.install(c);
    return c;
  }

  @Override
  public void handled(String stage, String namespace, String name, long nanoTime) {
    firstByStage
        .computeIfAbsent(stage, s -> new ConcurrentHashMap<>())
        .putIfAbsent(namespace + "/" + name, nanoTime);
  }

  /** Forgets everything recorded so far (call right before the measured requests). */
  public void reset() {
    firstByStage.clear();
  }

  /**
   * When {@code stage} first handled an object of function {@code namespace/function} at or after
   * {@code notBefore} (nanoTime), or -1 if it has not.
   */
  public long first(String stage, String namespace, String function, long notBefore) {
    Map<String, Long> seen = firstByStage.getOrDefault(stage, Map.of());
    String exact = namespace + "/" + function;
    String prefix = exact + "-";
    long best = -1;
    for (Map.Entry<String, Long> e : seen.entrySet()) {
      String k = e.getKey();
      long t = e.getValue();
      if ((k.equals(exact) || k.startsWith(prefix)) && t >= notBefore && (best < 0 || t < best)) {
        best = t;
      }
    }
    return best;
  }

  /** Uninstalls the recorder. */
  @Override
  public void close() {
    StageTimes.uninstall(this);
  }
}
