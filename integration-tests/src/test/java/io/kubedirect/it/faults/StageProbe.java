package io.kubedirect.it.faults;

import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.internal.engine.StageEngine;
import io.kubedirect.transport.PeerAddress;
import java.lang.reflect.Field;
import java.util.Optional;

/**
 * Read-only looks into a running example stage's kubedirect engine, to choose fault points by state
 * (how many pods a stage holds in memory only, whether a link is past its fallback deadline).
 *
 * <p>The example controllers keep their {@link KubeDirect} in a private field {@code kd} and expose
 * no accessor (adding one would count against the retrofit's changed-lines budget,
 * docs/examples.md), so this reads the field (and the engine, which is not API) reflectively.
 * Everything that depends on engine internals is in this class: if the field or the engine API
 * changes, only this class needs adapting.
 */
public final class StageProbe {

  private StageProbe() {}

  /** The engine of {@code stage} while it runs. */
  public static Optional<StageEngine> engine(SliceStage stage) {
    if (!stage.isRunning()) {
      return Optional.empty();
    }
    try {
      Field f = stage.getClass().getDeclaredField("kd");
      f.setAccessible(true);
      Object kd = f.get(stage);
      if (kd == null) {
        return Optional.empty();
      }
      // The engine is not API: DefaultKubeDirect.engine() is package-private.
      java.lang.reflect.Method engine = kd.getClass().getDeclaredMethod("engine");
      engine.setAccessible(true);
      return Optional.of((StageEngine) engine.invoke(kd));
    } catch (NoSuchFieldException
        | NoSuchMethodException
        | IllegalAccessException
        | java.lang.reflect.InvocationTargetException e) {
      throw new IllegalStateException(
          "cannot read the kubedirect runtime of "
              + stage.getClass().getName()
              + " (StageProbe expects a field 'kd'): "
              + e,
          e);
    }
  }

  /** Objects the stage sent over links and has not yet seen persisted (0 when stopped). */
  public static int dirty(SliceStage stage) {
    return engine(stage).map(StageEngine::dirtyCount).orElse(0);
  }

  /**
   * New objects the head failed fast because its owner's objects were just refused (0 when
   * stopped).
   */
  public static int headFastFailures(SliceStage stage) {
    return engine(stage)
        .map(e -> (int) e.metrics().count("rejections", "where", "owner"))
        .orElse(0);
  }

  /** Times the stage's links were fenced by a newer epoch of the same stage (0 when stopped). */
  public static double epochRejections(SliceStage stage) {
    return engine(stage).map(e -> e.metrics().count("epoch.rejections")).orElse(0.0);
  }

  /** Ephemeral objects the stage holds from its upstream (0 when stopped). */
  public static int ephemeral(SliceStage stage) {
    return engine(stage).map(e -> e.store().size()).orElse(0);
  }

  /**
   * The pods in the stage's own informer (the union view of API and ephemeral pods), for diagnosing
   * a failed run; empty when the stage is stopped or has no field {@code podIndexer} (replicaset
   * and scheduler have one).
   */
  @SuppressWarnings("unchecked")
  static java.util.List<io.kubernetes.client.openapi.models.V1Pod> informerView(SliceStage stage) {
    return field(stage, "podIndexer") instanceof io.kubernetes.client.informer.cache.Indexer<?> i
        ? ((io.kubernetes.client.informer.cache.Indexer<io.kubernetes.client.openapi.models.V1Pod>)
                i)
            .list()
        : java.util.List.of();
  }

  /**
   * The pod names whose delete the stage's controller still expects for {@code ownerKey} (its
   * {@code expectations} field; empty when the stage is stopped or has none): a pod named here that
   * the API Server still shows was deleted "successfully" and survived.
   */
  static java.util.Set<String> pendingDeletes(SliceStage stage, String ownerKey) {
    return field(stage, "expectations")
            instanceof io.kubedirect.examples.faas.common.PodExpectations e
        ? e.pendingDeletes(ownerKey)
        : java.util.Set.of();
  }

  /** A private field of a running stage, or null (stopped, or no such field). */
  private static Object field(SliceStage stage, String name) {
    if (!stage.isRunning()) {
      return null;
    }
    try {
      Field f = stage.getClass().getDeclaredField(name);
      f.setAccessible(true);
      return f.get(stage);
    } catch (NoSuchFieldException | IllegalAccessException e) {
      return null;
    }
  }

  /** Whether the stage's link to {@code address} is past its fallback deadline. */
  public static boolean inFallback(SliceStage stage, PeerAddress address) {
    return engine(stage).map(e -> e.inFallback(address)).orElse(false);
  }
}
