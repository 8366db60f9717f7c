package io.kubedirect.examples.faas.common;

import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Builds the pods a ReplicaSet asks for from its {@code spec.template}. */
public final class PodTemplates {

  private PodTemplates() {}

  /**
   * A new pod named {@code name} for {@code rs}: template labels and annotations, the template spec
   * with {@code schedulerName} set to {@code schedulerName}, and a controlling ownerReference to
   * the ReplicaSet.
   *
   * @throws IllegalArgumentException if the ReplicaSet has no uid, namespace or template
   */
  public static V1Pod podFor(V1ReplicaSet rs, String name, String schedulerName) {
    Objects.requireNonNull(rs, "rs");
    Objects.requireNonNull(name, "name");
    V1ObjectMeta rsMeta = rs.getMetadata();
    if (rsMeta == null || rsMeta.getUid() == null || rsMeta.getNamespace() == null) {
      throw new IllegalArgumentException("ReplicaSet needs metadata.uid and metadata.namespace");
    }
    if (rs.getSpec() == null
        || rs.getSpec().getTemplate() == null
        || rs.getSpec().getTemplate().getSpec() == null) {
      throw new IllegalArgumentException("ReplicaSet " + rsMeta.getName() + " has no pod template");
    }
    V1PodTemplateSpec template = rs.getSpec().getTemplate();
    V1ObjectMeta tmeta =
        template.getMetadata() == null ? new V1ObjectMeta() : template.getMetadata();
    V1ObjectMeta meta =
        new V1ObjectMeta()
            .name(name)
            .namespace(rsMeta.getNamespace())
            .labels(tmeta.getLabels() == null ? null : new HashMap<>(tmeta.getLabels()))
            .annotations(
                tmeta.getAnnotations() == null ? null : new HashMap<>(tmeta.getAnnotations()))
            .ownerReferences(List.of(ownerReference(rs)));
    V1PodSpec spec =
        forCreate(deepCopy(template.getSpec(), V1PodSpec.class)).schedulerName(schedulerName);
    return new V1Pod().apiVersion("v1").kind("Pod").metadata(meta).spec(spec);
  }

  /**
   * A controlling ownerReference ({@code controller=true, blockOwnerDeletion=true}) to {@code rs}.
   */
  public static V1OwnerReference ownerReference(V1ReplicaSet rs) {
    return new V1OwnerReference()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .name(rs.getMetadata().getName())
        .uid(rs.getMetadata().getUid())
        .controller(true)
        .blockOwnerDeletion(true);
  }

  /**
   * Prepares a pod spec for a create call. client-java 27 models initialise every map to an empty
   * one, so a spec would carry {@code "overhead": {}}, which the RuntimeClass admission plugin
   * rejects ("Pod Overhead set without corresponding RuntimeClass defined Overhead"); an unset
   * overhead is sent as absent.
   */
  public static V1PodSpec forCreate(V1PodSpec spec) {
    if (spec.getOverhead() != null && spec.getOverhead().isEmpty()) {
      spec.setOverhead(null);
    }
    return spec;
  }

  /** True if every label of the ReplicaSet's selector (matchLabels) is on the pod. */
  public static boolean matchesSelector(V1ReplicaSet rs, V1Pod pod) {
    if (rs.getSpec() == null || rs.getSpec().getSelector() == null) {
      return false;
    }
    Map<String, String> want = rs.getSpec().getSelector().getMatchLabels();
    Map<String, String> have = pod.getMetadata() == null ? null : pod.getMetadata().getLabels();
    if (want == null || want.isEmpty()) {
      return false;
    }
    return have != null && have.entrySet().containsAll(want.entrySet());
  }

  /** A deep copy through the client's own JSON mapping. */
  public static <T> T deepCopy(T value, Class<T> type) {
    return JSON.deserialize(JSON.serialize(value), type);
  }
}
