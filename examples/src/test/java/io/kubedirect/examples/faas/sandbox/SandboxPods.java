package io.kubedirect.examples.faas.sandbox;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.HashMap;
import java.util.Map;

/** Pods of a function, as the sandbox tests (and the activator tests) need them. */
public final class SandboxPods {

  private SandboxPods() {}

  /**
   * Pod {@code ns/name} of function {@code fn}, with sandbox annotations (service time ms,
   * concurrency).
   */
  public static V1Pod pod(
      String ns, String name, String fn, long serviceTimeMs, int containerConcurrency) {
    Map<String, String> annotations = new HashMap<>();
    annotations.put(SandboxSpec.SERVICE_TIME_ANNOTATION, Long.toString(serviceTimeMs));
    annotations.put(
        SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION, Integer.toString(containerConcurrency));
    return new V1Pod()
        .metadata(
            new V1ObjectMeta()
                .namespace(ns)
                .name(name)
                .labels(Map.of(FaasConventions.FUNCTION_LABEL, fn))
                .annotations(annotations));
  }
}
