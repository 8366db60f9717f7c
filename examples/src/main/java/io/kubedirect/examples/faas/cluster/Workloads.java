package io.kubedirect.examples.faas.cluster;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.PodTemplates;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1DeploymentStrategy;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import java.util.List;
import java.util.Map;

/** The function workloads the demo and the tests scale: one container, label {@code app=<name>}. */
public final class Workloads {

  /** Label that identifies the pods of one function. */
  public static final String APP_LABEL = FaasConventions.FUNCTION_LABEL;

  private Workloads() {}

  /** A ReplicaSet for the example controller (it carries {@code faas.kubedirect.io/controller=example}). */
  public static V1ReplicaSet exampleReplicaSet(String namespace, String name, int replicas) {
    return new V1ReplicaSet().apiVersion("apps/v1").kind("ReplicaSet")
        .metadata(new V1ObjectMeta().name(name).namespace(namespace)
            .labels(Map.of(FaasConventions.CONTROLLER_LABEL, FaasConventions.CONTROLLER_VALUE, APP_LABEL, name)))
        .spec(new V1ReplicaSetSpec()
            .replicas(replicas)
            .selector(new V1LabelSelector().matchLabels(Map.of(APP_LABEL, name)))
            .template(template(name)));
  }

  /** A stock Deployment (handled by the real kube-controller-manager and kube-scheduler). */
  public static V1Deployment deployment(String namespace, String name, int replicas) {
    return new V1Deployment().apiVersion("apps/v1").kind("Deployment")
        .metadata(new V1ObjectMeta().name(name).namespace(namespace).labels(Map.of(APP_LABEL, name)))
        .spec(new V1DeploymentSpec()
            .replicas(replicas)
            .strategy(new V1DeploymentStrategy().type("Recreate"))
            .selector(new V1LabelSelector().matchLabels(Map.of(APP_LABEL, name)))
            .template(template(name)));
  }

  /** The pod template: one container, no resource requests, grace period 0. */
  public static V1PodTemplateSpec template(String name) {
    return new V1PodTemplateSpec()
        .metadata(new V1ObjectMeta().labels(Map.of(APP_LABEL, name)))
        .spec(PodTemplates.forCreate(new V1PodSpec()
            .terminationGracePeriodSeconds(0L)
            .nodeSelector(Map.of(FaasConventions.POOL_LABEL, FaasConventions.POOL_VALUE))
            .containers(List.of(new V1Container().name("fn").image("registry.invalid/kubedirect/fn:1")))));
  }
}
