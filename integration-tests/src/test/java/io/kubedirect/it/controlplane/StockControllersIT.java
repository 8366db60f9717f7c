package io.kubedirect.it.controlplane;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.testing.controlplane.Component;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1Toleration;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stock-Kubernetes baseline: real kube-controller-manager and kube-scheduler on the local
 * plane.
 */
@LocalKubernetes(controllerManager = true, scheduler = true)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class StockControllersIT {

  /**
   * A Deployment for {@code replicas} pods that tolerate every taint (no kubelet keeps nodes
   * Ready).
   */
  static V1Deployment deployment(String ns, String name, int replicas) {
    Map<String, String> labels = Map.of("app", name);
    return new V1Deployment()
        .metadata(new V1ObjectMeta().namespace(ns).name(name))
        .spec(
            new V1DeploymentSpec()
                .replicas(replicas)
                .selector(new V1LabelSelector().matchLabels(labels))
                .template(
                    new V1PodTemplateSpec()
                        .metadata(new V1ObjectMeta().labels(labels))
                        .spec(
                            new V1PodSpec()
                                .containers(
                                    List.of(
                                        new V1Container()
                                            .name("fn")
                                            .image("registry.invalid/fn:1")))
                                .tolerations(List.of(new V1Toleration().operator("Exists"))))));
  }

  @Test
  void deploymentYieldsReplicaSetAndScheduledPods(LocalControlPlane cp) throws Exception {
    assertThat(cp.spec().components())
        .contains(Component.KUBE_CONTROLLER_MANAGER, Component.KUBE_SCHEDULER);
    ApiClient client = cp.newApiClient(Duration.ofSeconds(30));
    String node = Fixtures.uniqueName("node");
    Fixtures.createReadyNode(client, node);
    String ns = Fixtures.createNamespace(client, "baseline");
    AppsV1Api apps = new AppsV1Api(client);
    CoreV1Api core = new CoreV1Api(client);

    V1Deployment created = apps.createNamespacedDeployment(ns, deployment(ns, "fn", 3)).execute();

    V1ReplicaSet rs =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> apps.listNamespacedReplicaSet(ns).execute().getItems(), l -> l.size() == 1)
            .get(0);
    assertThat(rs.getMetadata().getOwnerReferences())
        .anySatisfy(o -> assertThat(o.getUid()).isEqualTo(created.getMetadata().getUid()));
    assertThat(rs.getSpec().getReplicas()).isEqualTo(3);

    List<V1Pod> pods =
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () -> core.listNamespacedPod(ns).execute().getItems(),
                l -> l.size() == 3 && l.stream().allMatch(p -> p.getSpec().getNodeName() != null));
    assertThat(pods)
        .allSatisfy(
            p -> {
              assertThat(p.getSpec().getNodeName()).isEqualTo(node);
              assertThat(p.getMetadata().getOwnerReferences())
                  .anySatisfy(o -> assertThat(o.getUid()).isEqualTo(rs.getMetadata().getUid()));
            });
  }

  @Test
  void stockRateLimitsAreRecordedOnTheCommandLine(LocalControlPlane cp) throws Exception {
    assertThat(Files.readString(cp.logFile(Component.KUBE_CONTROLLER_MANAGER)))
        .contains("--kube-api-qps=20")
        .contains("--kube-api-burst=30");
    assertThat(Files.readString(cp.logFile(Component.KUBE_SCHEDULER)))
        .contains("--kube-api-qps=50")
        .contains("--kube-api-burst=100");
  }
}
