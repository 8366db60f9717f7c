package io.kubedirect.it.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.DirectWriter;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.discovery.StaticPeerDiscovery;
import io.kubedirect.runtime.transport.inmemory.InMemoryNetwork;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Fallback against a real kube-apiserver: with no downstream reachable, objects go through the API Server
 * once the link has been down past the deadline, and objects labelled {@code kubedirect.io/fallback=true}
 * go through it at once.
 */
@LocalKubernetes
class FallbackIT {

  @Test
  void objectsGoThroughTheApiServerWhenTheLinkStaysDown(ApiClient client) throws Exception {
    String ns = "kd-fb-" + Long.toHexString(System.nanoTime());
    CoreV1Api core = new CoreV1Api(client);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    ExecutorServiceTaskScheduler sched = new ExecutorServiceTaskScheduler("it-fb", 2);
    InMemoryNetwork net = InMemoryNetwork.builder(sched).build();
    StageDeclaration head = StageDeclaration.builder("producer").downstream("sandbox-manager")
        .emits(V1Pod.class).build();
    KubeDirect kd = KubeDirect.builder().apiClient(client).stage(head).transport(net.transport("producer"))
        .discovery(StaticPeerDiscovery.builder().stage("sandbox-manager", new PeerAddress("nobody", 9)).build())
        .fallbackAfter(Duration.ofSeconds(3)).build();
    try {
      kd.start();
      kd.informerFactory().startAllRegisteredInformers();
      DirectWriter<V1Pod> pods = kd.writer(V1Pod.class);
      CompletableFuture<V1Pod> delayed = pods.create(pod(ns, "delayed", Map.of("app", "fn")));
      CompletableFuture<V1Pod> labelled = pods.create(pod(ns, "labelled",
          Map.of("app", "fn", "kubedirect.io/fallback", "true")));
      V1Pod l = labelled.get(30, TimeUnit.SECONDS);
      assertThat(l.getMetadata().getResourceVersion()).isNotEmpty();
      // The unlabelled pod waits for the link until the deadline (3 s after start) passes.
      assertThat(delayed).isNotDone();
      assertThat(core.listNamespacedPod(ns).execute().getItems()).extracting(p -> p.getMetadata().getName())
          .containsExactly("labelled");
      V1Pod d = delayed.get(30, TimeUnit.SECONDS);
      assertThat(d.getMetadata().getResourceVersion()).isNotEmpty();
      List<V1Pod> stored = core.listNamespacedPod(ns).execute().getItems();
      assertThat(stored).extracting(p -> p.getMetadata().getName()).containsExactlyInAnyOrder("delayed", "labelled");
      assertThat(stored).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("node-1"));
    } finally {
      kd.informerFactory().stopAllRegisteredInformers();
      kd.close();
      sched.close();
    }
  }

  private static V1Pod pod(String ns, String name, Map<String, String> labels) {
    return new V1Pod().apiVersion("v1").kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace(ns).labels(labels))
        .spec(new V1PodSpec().nodeName("node-1")
            .containers(List.of(new V1Container().name("main").image("registry.local/fn:1"))));
  }
}
