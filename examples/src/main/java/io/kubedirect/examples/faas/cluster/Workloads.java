package io.kubedirect.examples.faas.cluster;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.PodTemplates;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1DeploymentStrategy;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServicePort;
import io.kubernetes.client.openapi.models.V1ServiceSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The function workloads the demo and the tests scale: one container, label {@code
 * faas.kubedirect.io/function=<name>}.
 */
public final class Workloads {

  /** Label that identifies the pods of one function. */
  public static final String APP_LABEL = FaasConventions.FUNCTION_LABEL;

  private Workloads() {}

  /**
   * A ReplicaSet for the example controller (it carries {@code
   * faas.kubedirect.io/controller=example}).
   */
  public static V1ReplicaSet exampleReplicaSet(String namespace, String name, int replicas) {
    return new V1ReplicaSet()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .metadata(
            new V1ObjectMeta()
                .name(name)
                .namespace(namespace)
                .labels(
                    Map.of(
                        FaasConventions.CONTROLLER_LABEL,
                        FaasConventions.CONTROLLER_VALUE,
                        APP_LABEL,
                        name)))
        .spec(
            new V1ReplicaSetSpec()
                .replicas(replicas)
                .selector(new V1LabelSelector().matchLabels(Map.of(APP_LABEL, name)))
                .template(template(name)));
  }

  /** A stock Deployment (handled by the real kube-controller-manager and kube-scheduler). */
  public static V1Deployment deployment(String namespace, String name, int replicas) {
    return new V1Deployment()
        .apiVersion("apps/v1")
        .kind("Deployment")
        .metadata(
            new V1ObjectMeta().name(name).namespace(namespace).labels(Map.of(APP_LABEL, name)))
        .spec(
            new V1DeploymentSpec()
                .replicas(replicas)
                .strategy(new V1DeploymentStrategy().type("Recreate"))
                .selector(new V1LabelSelector().matchLabels(Map.of(APP_LABEL, name)))
                .template(template(name)));
  }

  /**
   * A function declared the way a user declares it for the example chain: a Deployment labelled
   * {@code faas.kubedirect.io/function=<name>} with {@code replicas} replicas, selecting its pods
   * by that label, the {@code autoscaling.knative.dev/*} and {@code faas.kubedirect.io/*} settings
   * in {@code templateAnnotations} on the pod template (as in a Knative Service), and the container
   * port {@code http} = {@code containerPort}. With {@code exampleController} it also carries
   * {@code faas.kubedirect.io/controller=example}, so the example deployment stage (not a
   * kube-controller-manager) runs it.
   */
  public static V1Deployment function(
      String namespace,
      String name,
      int replicas,
      int containerPort,
      Map<String, String> templateAnnotations,
      boolean exampleController) {
    Map<String, String> labels = new HashMap<>(Map.of(APP_LABEL, name));
    if (exampleController) {
      labels.put(FaasConventions.CONTROLLER_LABEL, FaasConventions.CONTROLLER_VALUE);
    }
    V1PodTemplateSpec template = template(name);
    template.getMetadata().annotations(new HashMap<>(templateAnnotations));
    template
        .getSpec()
        .getContainers()
        .get(0)
        .ports(
            List.of(new V1ContainerPort().name(FUNCTION_PORT_NAME).containerPort(containerPort)));
    return new V1Deployment()
        .apiVersion("apps/v1")
        .kind("Deployment")
        .metadata(new V1ObjectMeta().name(name).namespace(namespace).labels(labels))
        .spec(
            new V1DeploymentSpec()
                .replicas(replicas)
                .selector(new V1LabelSelector().matchLabels(Map.of(APP_LABEL, name)))
                .template(template));
  }

  /** Name of the function container's port, the target port of its Service. */
  public static final String FUNCTION_PORT_NAME = HttpSandboxRuntime.HTTP_PORT_NAME;

  /**
   * The function's Service (Knative's private service): selects the function's pods, port 80 to the
   * container port named {@code http}. The stock endpointslice controller lists the function's pods
   * in its EndpointSlices.
   */
  public static V1Service functionService(String namespace, String name) {
    return new V1Service()
        .apiVersion("v1")
        .kind("Service")
        .metadata(
            new V1ObjectMeta().name(name).namespace(namespace).labels(Map.of(APP_LABEL, name)))
        .spec(
            new V1ServiceSpec()
                .selector(Map.of(APP_LABEL, name))
                .ports(
                    List.of(
                        new V1ServicePort()
                            .name(FUNCTION_PORT_NAME)
                            .protocol("TCP")
                            .port(80)
                            .targetPort(new IntOrString(FUNCTION_PORT_NAME)))));
  }

  /** The pod template: one container, no resource requests, grace period 0. */
  public static V1PodTemplateSpec template(String name) {
    return new V1PodTemplateSpec()
        .metadata(new V1ObjectMeta().labels(Map.of(APP_LABEL, name)))
        .spec(
            PodTemplates.forCreate(
                new V1PodSpec()
                    .terminationGracePeriodSeconds(0L)
                    .nodeSelector(Map.of(FaasConventions.POOL_LABEL, FaasConventions.POOL_VALUE))
                    .containers(
                        List.of(
                            new V1Container()
                                .name("fn")
                                .image("registry.invalid/kubedirect/fn:1")))));
  }
}
