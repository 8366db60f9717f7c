package io.kubedirect.examples.faas.function;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.StageTimes;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.config.Reachability;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubedirect.examples.knative.autoscaler.kpa.PodAutoscalerStatus;
import io.kubedirect.examples.knative.autoscaler.kpa.ScaleWriter;
import io.kubedirect.examples.knative.autoscaler.kpa.SksMode;
import io.kubedirect.examples.knative.autoscaler.kpa.SksState;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How the autoscaler stage reads a function declared as a Deployment: its key, its autoscaling
 * inputs, and the per-function state Knative keeps in the PodAutoscaler and ServerlessService.
 */
public final class FunctionAutoscaling {

  private FunctionAutoscaling() {}

  /**
   * The config-autoscaler the example chain runs with unless told otherwise: Knative's defaults,
   * except that the activator is always in the path ({@code target-burst-capacity: -1}, the chain
   * has no other ingress) and a new function starts at zero ({@code initial-scale: 0}, {@code
   * allow-zero-initial-scale: true}), as in the KubeDirect artifact's Knative settings.
   */
  public static AutoscalerConfig chainDefaults(Map<String, String> overrides) {
    Map<String, String> data = new HashMap<>();
    data.put("target-burst-capacity", "-1");
    data.put("initial-scale", "0");
    data.put("allow-zero-initial-scale", "true");
    data.putAll(overrides);
    try {
      return AutoscalerConfig.fromMap(data);
    } catch (Exception e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The function an object belongs to: its namespace and {@link FaasConventions#FUNCTION_LABEL}, or
   * null.
   */
  public static RevisionKey functionOf(V1ObjectMeta meta) {
    if (meta == null
        || meta.getLabels() == null
        || meta.getNamespace() == null
        || meta.getNamespace().isEmpty()) {
      return null;
    }
    String fn = meta.getLabels().get(FaasConventions.FUNCTION_LABEL);
    return fn == null || fn.isEmpty() ? null : new RevisionKey(meta.getNamespace(), fn);
  }

  /**
   * The autoscaling inputs of function Deployment {@code d}: the {@code autoscaling.knative.dev/*}
   * (and {@code serving.knative.dev/progress-deadline}) annotations of its pod template, overridden
   * by those on the Deployment itself; the container concurrency from the template's {@link
   * SandboxSpec#CONTAINER_CONCURRENCY_ANNOTATION}; always reachable (the activator routes every
   * function).
   */
  public static RevisionAutoscaling of(V1Deployment d) {
    Map<String, String> template =
        d.getSpec() == null
                || d.getSpec().getTemplate() == null
                || d.getSpec().getTemplate().getMetadata() == null
                || d.getSpec().getTemplate().getMetadata().getAnnotations() == null
            ? Map.of()
            : d.getSpec().getTemplate().getMetadata().getAnnotations();
    Map<String, String> merged = new HashMap<>();
    template.forEach((k, v) -> addIfAutoscaling(merged, k, v));
    Map<String, String> own = d.getMetadata() == null ? null : d.getMetadata().getAnnotations();
    if (own != null) {
      own.forEach((k, v) -> addIfAutoscaling(merged, k, v));
    }
    int cc =
        SandboxSpec.containerConcurrency(
            new V1Pod().metadata(new V1ObjectMeta().annotations(template)));
    return new RevisionAutoscaling(merged, cc, Reachability.REACHABLE);
  }

  /**
   * {@code writer}, reporting each scale to {@link StageTimes#scaled} right before it writes it:
   * when the autoscaler decided it, whatever the write then takes.
   */
  public static ScaleWriter timed(ScaleWriter writer) {
    Objects.requireNonNull(writer, "writer");
    return (key, replicas) -> {
      StageTimes.scaled(key.namespace(), key.name(), replicas);
      writer.writeScale(key, replicas);
    };
  }

  private static void addIfAutoscaling(Map<String, String> into, String key, String value) {
    if (value != null
        && (key.startsWith("autoscaling.knative.dev/")
            || key.equals(RevisionAutoscaling.PROGRESS_DEADLINE))) {
      into.put(key, value);
    }
  }

  /**
   * What Knative keeps in a function's PodAutoscaler status (the {@code Active} condition) and
   * ServerlessService (its mode, and since when the activator is in the path). The activator is in
   * the path from the start; the mode then follows each reconcile's decision ({@link #follow}).
   * Callers synchronize on the state.
   */
  public static final class State {
    private final PodAutoscalerStatus pa;
    private SksMode mode = SksMode.PROXY;
    private Instant proxySince;

    /** A new function's state, first seen at {@code now}. */
    public State(Instant now) {
      this.pa = new PodAutoscalerStatus(Objects.requireNonNull(now, "now"));
      this.proxySince = now;
    }

    /** The PodAutoscaler status (changed in place by the reconciler). */
    public PodAutoscalerStatus pa() {
      return pa;
    }

    /** The ServerlessService state the reconciler reads. */
    public SksState sks() {
      return new SksState(mode, mode == SksMode.PROXY ? proxySince : null);
    }

    /** Switches to the mode the reconciler decided at {@code now}. */
    public void follow(SksMode decided, Instant now) {
      if (decided == SksMode.PROXY && mode != SksMode.PROXY) {
        proxySince = now;
      }
      mode = decided;
    }
  }
}
