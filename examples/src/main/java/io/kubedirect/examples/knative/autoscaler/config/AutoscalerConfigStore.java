package io.kubedirect.examples.knative.autoscaler.config;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Holds the current {@link AutoscalerConfig}, like Knative's config store watching {@code
 * config-autoscaler}: an update with invalid data is rejected with an {@link
 * InvalidConfigException} and the previous configuration stays in force. Thread-safe.
 */
public final class AutoscalerConfigStore {

  private final AtomicReference<AutoscalerConfig> current;

  /** A store starting with Knative's defaults. */
  public AutoscalerConfigStore() {
    this(AutoscalerConfig.defaults());
  }

  /** A store starting with {@code initial}. */
  public AutoscalerConfigStore(AutoscalerConfig initial) {
    current = new AtomicReference<>(Objects.requireNonNull(initial, "initial"));
  }

  /** The configuration in force. */
  public AutoscalerConfig current() {
    return current.get();
  }

  /**
   * Applies new ConfigMap data; on error the previous configuration is kept and the error is
   * thrown.
   */
  public AutoscalerConfig update(Map<String, String> data) throws InvalidConfigException {
    AutoscalerConfig parsed = AutoscalerConfig.fromMap(data);
    current.set(parsed);
    return parsed;
  }
}
