package io.kubedirect.it.runtime;

import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.internal.engine.StageEngine;
import java.lang.reflect.Method;

/**
 * The engine behind a {@link KubeDirect}, for assertions on its state; the engine is not API
 * (reflection).
 */
final class EngineProbe {

  private EngineProbe() {}

  static StageEngine engine(KubeDirect kd) {
    try {
      Method m = kd.getClass().getDeclaredMethod("engine");
      m.setAccessible(true);
      return (StageEngine) m.invoke(kd);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException(
          "cannot read the engine of " + kd.getClass().getName() + ": " + e, e);
    }
  }
}
