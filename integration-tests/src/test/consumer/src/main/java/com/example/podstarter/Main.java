package com.example.podstarter;

import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.kubedirect.transport.PeerAddress;
import java.io.FileReader;
import java.io.Reader;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the pod runner and the retrofitted pod starter against a cluster, asks for pods through a ConfigMap, and
 * waits until the API Server shows them all. Arguments: kubeconfig, namespace, number of pods. Exit code 0 when
 * they are all there within a minute.
 */
public final class Main {

  private Main() {}

  public static void main(String[] args) throws Exception {
    String kubeconfig = args[0];
    String namespace = args[1];
    int replicas = Integer.parseInt(args[2]);
    KubeConfig kc;
    try (Reader r = new FileReader(kubeconfig)) {
      kc = KubeConfig.loadKubeConfig(r);
    }
    kc.setFile(new java.io.File(kubeconfig));
    ApiClient api = ClientBuilder.kubeconfig(kc).setReadTimeout(Duration.ZERO).build(); // informers need 0
    CoreV1Api core = new CoreV1Api(api);

    PodRunner runner = new PodRunner(api);
    PeerAddress runnerAddress = runner.start();
    PodStarter starter = new PodStarter(api, namespace, runnerAddress);
    starter.start();
    core.createNamespacedConfigMap(namespace, new V1ConfigMap()
        .metadata(new V1ObjectMeta().name("demo").labels(Map.of("pod-starter", "true")))
        .data(Map.of("replicas", String.valueOf(replicas), "node", "node-1"))).execute();

    // What kubectl would see: a plain informer on the API Server.
    SharedInformerFactory plain = new SharedInformerFactory(api);
    SharedIndexInformer<V1Pod> pods = plain.sharedIndexInformerFor(
        p -> core.listNamespacedPod(namespace).labelSelector("app=pod-starter").resourceVersion(p.resourceVersion)
            .watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null), V1Pod.class, V1PodList.class);
    CompletableFuture<Void> all = new CompletableFuture<>();
    Runnable check = () -> {
      if (pods.getIndexer().list().stream().filter(p -> "node-1".equals(p.getSpec().getNodeName())).count()
          == replicas) {
        all.complete(null);
      }
    };
    pods.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(V1Pod pod) {
        check.run();
      }

      @Override
      public void onUpdate(V1Pod oldPod, V1Pod newPod) {
        check.run();
      }

      @Override
      public void onDelete(V1Pod pod, boolean unknown) {}
    });
    plain.startAllRegisteredInformers();
    boolean done;
    try {
      all.get(60, TimeUnit.SECONDS);
      done = true;
    } catch (TimeoutException e) {
      done = false;
    }
    int persisted = pods.getIndexer().list().size();
    plain.stopAllRegisteredInformers();
    starter.stop();
    runner.stop();
    System.out.println("pod-starter: " + persisted + " of " + replicas + " pods persisted through kubedirect");
    System.exit(done ? 0 : 1);
  }
}
