package io.kubedirect.examples.smoke;

import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeCondition;
import io.kubernetes.client.openapi.models.V1NodeStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.io.PrintStream;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Smoke demo: starts the embedded control plane (etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler), registers one Ready node, creates a Deployment and prints the ReplicaSet and the
 * scheduled pods the stock controllers produce, then stops everything.
 *
 * <p>Arguments: {@code [replicas]} (default 3). Throws if the pods are not all scheduled within 60
 * s.
 */
public final class SmokeDemo {
  private static final String NAMESPACE = "smoke";
  private static final String NODE = "node-1";

  private SmokeDemo() {}

  /**
   * Runs the demo.
   *
   * @param args optional replica count
   * @throws Exception if the control plane or an API call fails
   */
  public static void main(String[] args) throws Exception {
    int replicas = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    // client-java logs an ERROR with a stack trace for every informer thread it interrupts on stop.
    System.setProperty(
        "org.slf4j.simpleLogger.log.io.kubernetes.client.informer.cache",
        System.getProperty(
            "org.slf4j.simpleLogger.log.io.kubernetes.client.informer.cache", "off"));
    PrintStream out = System.out;
    boolean ok;
    try (LocalControlPlane cp =
        LocalControlPlane.builder().controllerManager(true).scheduler(true).start()) {
      out.printf("control plane up at %s (%s)%n", cp.apiServerUrl(), cp.startupTimings().summary());
      out.printf("kubeconfig: %s%n", cp.kubeconfig());
      ok = run(cp.apiClient(), cp.newApiClient(Duration.ofSeconds(30)), replicas, out);
    }
    if (!ok) {
      throw new IllegalStateException("smoke demo FAILED: not every pod was scheduled within 60 s");
    }
    out.println("smoke demo: OK");
  }

  static boolean run(ApiClient watchClient, ApiClient client, int replicas, PrintStream out)
      throws ApiException, InterruptedException {
    CoreV1Api core = new CoreV1Api(client);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(NAMESPACE))).execute();
    registerReadyNode(core);
    out.printf("node %s registered and Ready%n", NODE);

    SharedInformerFactory factory = new SharedInformerFactory(watchClient);
    SharedIndexInformer<V1ReplicaSet> rsInformer =
        factory.sharedIndexInformerFor(
            new GenericKubernetesApi<>(
                V1ReplicaSet.class,
                V1ReplicaSetList.class,
                "apps",
                "v1",
                "replicasets",
                watchClient),
            V1ReplicaSet.class,
            0L,
            NAMESPACE);
    SharedIndexInformer<V1Pod> podInformer =
        factory.sharedIndexInformerFor(
            new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", watchClient),
            V1Pod.class,
            0L,
            NAMESPACE);
    CountDownLatch scheduled = new CountDownLatch(replicas);
    Set<String> seenScheduled = ConcurrentHashMap.newKeySet();
    Set<String> seenReplicaSets = ConcurrentHashMap.newKeySet();
    rsInformer.addEventHandler(
        handler(
            rs -> {
              if (seenReplicaSets.add(rs.getMetadata().getName())) {
                out.printf(
                    "  replicaset %s created by the deployment controller: replicas=%d owner=%s%n",
                    rs.getMetadata().getName(),
                    rs.getSpec().getReplicas(),
                    rs.getMetadata().getOwnerReferences().get(0).getName());
              }
            }));
    podInformer.addEventHandler(
        handler(
            pod -> {
              String node = pod.getSpec().getNodeName();
              if (node == null) {
                out.printf(
                    "  pod %s created by the replicaset controller (pending)%n",
                    pod.getMetadata().getName());
              } else if (seenScheduled.add(pod.getMetadata().getName())) {
                out.printf(
                    "  pod %s bound to %s by kube-scheduler%n", pod.getMetadata().getName(), node);
                scheduled.countDown();
              }
            }));
    factory.startAllRegisteredInformers();
    try {
      long t0 = System.nanoTime();
      new AppsV1Api(client)
          .createNamespacedDeployment(NAMESPACE, deployment("fn", replicas))
          .execute();
      out.printf("deployment fn created (replicas=%d)%n", replicas);
      boolean ok = scheduled.await(60, TimeUnit.SECONDS);
      out.printf(
          "%d/%d pods scheduled %d ms after the deployment was created%n",
          replicas - scheduled.getCount(),
          replicas,
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
      return ok;
    } finally {
      factory.stopAllRegisteredInformers();
    }
  }

  private static <T extends io.kubernetes.client.common.KubernetesObject>
      ResourceEventHandler<T> handler(java.util.function.Consumer<T> onAddOrUpdate) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        onAddOrUpdate.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        onAddOrUpdate.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {}
    };
  }

  private static void registerReadyNode(CoreV1Api core) throws ApiException {
    core.createNode(new V1Node().metadata(new V1ObjectMeta().name(NODE))).execute();
    Map<String, Quantity> res =
        Map.of(
            "cpu",
            Quantity.fromString("16"),
            "memory",
            Quantity.fromString("64Gi"),
            "pods",
            Quantity.fromString("110"));
    for (int attempt = 1; ; attempt++) {
      V1Node node = core.readNode(NODE).execute();
      OffsetDateTime now = OffsetDateTime.now();
      node.status(
          new V1NodeStatus()
              .capacity(res)
              .allocatable(res)
              .conditions(
                  List.of(
                      new V1NodeCondition()
                          .type("Ready")
                          .status("True")
                          .reason("KubeletReady")
                          .lastHeartbeatTime(now)
                          .lastTransitionTime(now))));
      try {
        core.replaceNodeStatus(NODE, node).execute();
        return;
      } catch (ApiException e) {
        if (e.getCode() != 409 || attempt >= 20) {
          throw e;
        }
      }
    }
  }

  private static V1Deployment deployment(String name, int replicas) {
    Map<String, String> labels = Map.of("app", name);
    return new V1Deployment()
        .metadata(new V1ObjectMeta().namespace(NAMESPACE).name(name))
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
                                // No kubelet keeps the node's heartbeat fresh; tolerate the taints
                                // that follow.
                                .tolerations(List.of(new V1Toleration().operator("Exists"))))));
  }
}
