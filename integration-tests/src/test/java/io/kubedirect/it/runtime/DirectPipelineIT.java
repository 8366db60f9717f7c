package io.kubedirect.it.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.discovery.StaticPeerDiscovery;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A two-stage pipeline (producer -> sandbox manager) over the in-memory transport against a real
 * kube-apiserver: pods travel over the direct link, the tail writes them back (created once with
 * their node, then their status), a plain API informer ends up with exactly the right pods, and the
 * tail's union informer replaces each ephemeral pod with its persisted copy.
 */
@LocalKubernetes
class DirectPipelineIT {

  static final int PODS = 25;

  @Test
  void podsTravelDirectlyAndAreWrittenBackExactlyOnce(ApiClient client) throws Exception {
    String ns = "kd-it-" + Long.toHexString(System.nanoTime());
    new CoreV1Api(client)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
        .execute();

    ExecutorServiceTaskScheduler sched = new ExecutorServiceTaskScheduler("it-net", 2);
    InMemoryNetwork net = InMemoryNetwork.builder(sched).build();
    StageDeclaration tailStage =
        StageDeclaration.builder("sandbox-manager")
            .upstream("producer")
            .receives(V1Pod.class)
            .build();
    StageDeclaration headStage =
        StageDeclaration.builder("producer")
            .downstream("sandbox-manager")
            .emits(V1Pod.class)
            .build();

    KubeDirect tail =
        KubeDirect.builder()
            .apiClient(client)
            .stage(tailStage)
            .transport(net.transport("sandbox-manager"))
            .listen(new PeerAddress("sandbox-manager", 0))
            .build();
    KubeDirect head = null;
    SharedInformerFactory plain = new SharedInformerFactory(client);
    try {
      // Tail "controller": start every pod of our namespace bound to node-1 and report it Running.
      DirectWriter<V1Pod> tailWriter = tail.writer(V1Pod.class);
      SharedInformerFactory tailFactory = tail.informerFactory();
      GenericKubernetesApi<V1Pod, V1PodList> podApi =
          new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client);
      SharedIndexInformer<V1Pod> union =
          tailFactory.sharedIndexInformerFor(podApi, V1Pod.class, 0L);
      Map<String, List<String>> seenRvs = new ConcurrentHashMap<>();
      Set<String> started = ConcurrentHashMap.newKeySet();
      List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
      union.addEventHandler(
          new ResourceEventHandler<V1Pod>() {
            @Override
            public void onAdd(V1Pod p) {
              handle(p);
            }

            @Override
            public void onUpdate(V1Pod old, V1Pod p) {
              handle(p);
            }

            @Override
            public void onDelete(V1Pod p, boolean unknown) {}

            private void handle(V1Pod p) {
              if (!ns.equals(p.getMetadata().getNamespace())) {
                return;
              }
              seenRvs
                  .computeIfAbsent(
                      p.getMetadata().getName(),
                      k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                  .add(String.valueOf(p.getMetadata().getResourceVersion()));
              if (p.getStatus() == null || p.getStatus().getPhase() == null) {
                if (started.add(p.getMetadata().getName())) {
                  V1Pod running =
                      new V1Pod()
                          .apiVersion("v1")
                          .kind("Pod")
                          .metadata(p.getMetadata())
                          .spec(p.getSpec())
                          .status(new V1PodStatus().phase("Running"));
                  tailWriter
                      .updateStatus(running)
                      .whenComplete(
                          (r, ex) -> {
                            if (ex != null) {
                              failures.add(p.getMetadata().getName() + ": " + ex);
                            }
                          });
                }
              }
            }
          });
      tail.start();
      tailFactory.startAllRegisteredInformers();
      PeerAddress tailAddress = tail.localAddress().orElseThrow();

      head =
          KubeDirect.builder()
              .apiClient(client)
              .stage(headStage)
              .transport(net.transport("producer"))
              .discovery(
                  StaticPeerDiscovery.builder().stage("sandbox-manager", tailAddress).build())
              .build();
      head.start();
      head.informerFactory().startAllRegisteredInformers();
      await().atMost(Duration.ofSeconds(30)).until(union::hasSynced);

      DirectWriter<V1Pod> pods = head.writer(V1Pod.class);
      List<CompletableFuture<V1Pod>> sent = new ArrayList<>();
      for (int i = 0; i < PODS; i++) {
        sent.add(
            pods.create(
                new V1Pod()
                    .apiVersion("v1")
                    .kind("Pod")
                    .metadata(
                        new V1ObjectMeta()
                            .name("fn-" + i)
                            .namespace(ns)
                            .labels(Map.of("app", "fn")))
                    .spec(
                        new V1PodSpec()
                            .nodeName("node-1")
                            .containers(
                                List.of(
                                    new V1Container()
                                        .name("main")
                                        .image("registry.local/fn:1"))))));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new))
          .get(30, java.util.concurrent.TimeUnit.SECONDS);

      // An independent, plain API Server informer sees exactly the right pods.
      SharedIndexInformer<V1Pod> apiInformer =
          plain.sharedIndexInformerFor(podApi, V1Pod.class, 0L);
      plain.startAllRegisteredInformers();
      Lister<V1Pod> apiLister = new Lister<>(apiInformer.getIndexer()).namespace(ns);
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(failures).as("write-back failures").isEmpty();
                assertThat(started).as("pods the tail saw in its union informer").hasSize(PODS);
                List<V1Pod> persisted = apiLister.list();
                assertThat(persisted).hasSize(PODS);
                assertThat(persisted)
                    .allSatisfy(
                        p -> {
                          assertThat(p.getSpec().getNodeName()).isEqualTo("node-1");
                          assertThat(p.getStatus().getPhase()).isEqualTo("Running");
                        });
              });
      assertThat(
              apiLister.list().stream()
                  .map(p -> p.getMetadata().getName())
                  .collect(Collectors.toSet()))
          .hasSize(PODS);

      // The union informer replaced every ephemeral pod (no resourceVersion) by its persisted copy.
      Lister<V1Pod> unionLister = new Lister<>(union.getIndexer()).namespace(ns);
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(unionLister.list())
                      .hasSize(PODS)
                      .allSatisfy(
                          p ->
                              assertThat(p.getMetadata().getResourceVersion())
                                  .isNotEmpty()
                                  .isNotEqualTo(String.valueOf((Object) null))));
      assertThat(seenRvs).hasSize(PODS);
      assertThat(seenRvs.values()).allSatisfy(rvs -> assertThat(rvs.get(0)).isEmpty());
      assertThat(started).hasSize(PODS);
    } finally {
      plain.stopAllRegisteredInformers();
      tail.informerFactory().stopAllRegisteredInformers();
      if (head != null) {
        head.informerFactory().stopAllRegisteredInformers();
        head.close();
      }
      tail.close();
      sched.close();
    }
  }
}
