package com.example.podstarter;

import io.kubedirect.api.DirectStage;
import io.kubedirect.api.DirectWriter;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.netty.NettyTransport;
import io.kubernetes.client.extended.controller.Controller;
import io.kubernetes.client.extended.controller.ControllerManager;
import io.kubernetes.client.extended.controller.builder.ControllerBuilder;
import io.kubernetes.client.extended.controller.reconciler.Reconciler;
import io.kubernetes.client.extended.controller.reconciler.Request;
import io.kubernetes.client.extended.controller.reconciler.Result;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ConfigMapList;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A plain client-java controller, retrofitted: for every ConfigMap labelled {@code pod-starter=true} it keeps
 * {@code data.replicas} pods named {@code <configmap>-<i>}, bound to {@code data.node}. The retrofit is the stage
 * declaration and the three lines marked "kubedirect": the pods go over a direct link to the pod runner instead
 * of through the API Server.
 */
@DirectStage(name = "pod-starter", downstream = "pod-runner", emits = V1Pod.class)
public final class PodStarter implements Reconciler {

  private final CoreV1Api core;
  private final String namespace;
  private final KubeDirect kd;
  private final DirectWriter<V1Pod> pods;
  private final Lister<V1ConfigMap> configMaps;
  private final Lister<V1Pod> podLister;
  private final ControllerManager manager;

  PodStarter(ApiClient api, String namespace, PeerAddress runner) {
    this.core = new CoreV1Api(api);
    this.namespace = namespace;
    kd = KubeDirect.builder().apiClient(api).stage(PodStarter.class)                 // kubedirect
        .transport(NettyTransport.builder().stageName("pod-starter").plaintextOnLoopback().build())
        .discovery(PeerDiscoveries.staticTable().stage("pod-runner", runner).build()).build();
    SharedInformerFactory factory = kd.informerFactory();                             // kubedirect: was new SharedInformerFactory(api)
    pods = kd.writer(V1Pod.class);                                                    // kubedirect: was core.createNamespacedPod
    SharedIndexInformer<V1ConfigMap> cmInformer = factory.sharedIndexInformerFor(
        p -> core.listNamespacedConfigMap(namespace).labelSelector("pod-starter=true")
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1ConfigMap.class, V1ConfigMapList.class);
    SharedIndexInformer<V1Pod> podInformer = factory.sharedIndexInformerFor(
        p -> core.listNamespacedPod(namespace).resourceVersion(p.resourceVersion).watch(p.watch)
            .timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Pod.class, V1PodList.class);
    configMaps = new Lister<>(cmInformer.getIndexer(), namespace);
    podLister = new Lister<>(podInformer.getIndexer(), namespace);
    Controller controller = ControllerBuilder.defaultBuilder(factory)
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1ConfigMap.class, q).build())
        .withReconciler(this).withName("pod-starter").withWorkerCount(2)
        .withReadyFunc(() -> cmInformer.hasSynced() && podInformer.hasSynced()).build();
    manager = ControllerBuilder.controllerManagerBuilder(factory).addController(controller).build();
  }

  void start() {
    kd.start();
    Thread t = new Thread(manager, "pod-starter");
    t.setDaemon(true);
    t.start();
  }

  void stop() {
    manager.shutdown();
    kd.close();
  }

  @Override
  public Result reconcile(Request request) {
    V1ConfigMap cm = configMaps.get(request.getName());
    if (cm == null || cm.getData() == null) {
      return new Result(false);
    }
    int replicas = Integer.parseInt(cm.getData().getOrDefault("replicas", "0"));
    String node = cm.getData().getOrDefault("node", "node-1");
    for (int i = 0; i < replicas; i++) {
      String name = cm.getMetadata().getName() + "-" + i;
      if (podLister.get(name) != null) {
        continue;
      }
      V1Pod pod = new V1Pod().apiVersion("v1").kind("Pod")
          .metadata(new V1ObjectMeta().name(name).namespace(namespace).labels(Map.of("app", "pod-starter")))
          .spec(new V1PodSpec().nodeName(node)
              .containers(List.of(new V1Container().name("main").image("registry.local/fn:1"))));
      try {
        pods.create(pod).join();
      } catch (RuntimeException e) {
        return new Result(true, Duration.ofSeconds(1));
      }
    }
    return new Result(false);
  }
}
