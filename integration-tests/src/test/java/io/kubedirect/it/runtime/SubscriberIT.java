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
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Fan-out on a real kube-apiserver: producer → sandbox manager (tail, writes pods back) with an
 * activator that subscribes to the sandbox manager's pods. The activator's union informer shows the
 * pods, and then their readiness, before the API Server stores them; with the activator cut off,
 * the sandbox manager still persists every pod and the producer never falls back; once the link is
 * back the activator shows the current set.
 */
@LocalKubernetes
class SubscriberIT {

  @Test
  void theSubscriberSeesPodsBeforeTheyArePersistedAndTheTailPersistsWithoutIt(ApiClient client)
      throws Exception {
    String ns = "kd-sub-" + Long.toHexString(System.nanoTime());
    CoreV1Api core = new CoreV1Api(client);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    GenericKubernetesApi<V1Pod, V1PodList> podApi =
        new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client);

    ExecutorServiceTaskScheduler sched = new ExecutorServiceTaskScheduler("it-net", 2);
    InMemoryNetwork net = InMemoryNetwork.builder(sched).build();
    KubeDirect activator =
        KubeDirect.builder()
            .apiClient(client)
            .stage(
                StageDeclaration.builder("activator")
                    .upstream("sandbox-manager")
                    .receives(V1Pod.class)
                    .build())
            .transport(net.transport("activator"))
            .listen(new PeerAddress("activator", 0))
            .build();
    KubeDirect sm = null;
    KubeDirect producer = null;
    try {
      SharedIndexInformer<V1Pod> seen =
          activator.informerFactory().sharedIndexInformerFor(podApi, V1Pod.class, 0L);
      activator.start();
      activator.informerFactory().startAllRegisteredInformers();
      Lister<V1Pod> activatorView = new Lister<>(seen.getIndexer()).namespace(ns);

      sm =
          KubeDirect.builder()
              .apiClient(client)
              .stage(
                  StageDeclaration.builder("sandbox-manager")
                      .upstream("producer")
                      .receives(V1Pod.class)
                      .subscribers("activator")
                      .publishes(V1Pod.class)
                      .build())
              .transport(net.transport("sandbox-manager"))
              .listen(new PeerAddress("sandbox-manager", 0))
              .discovery(
                  StaticPeerDiscovery.builder()
                      .stage("activator", activator.localAddress().orElseThrow())
                      .build())
              .instance("node-1")
              .build();
      // The sandbox manager's controller: once allowed, starts each pod of the namespace and
      // reports it Ready.
      AtomicBoolean startSandboxes = new AtomicBoolean();
      Set<String> started = ConcurrentHashMap.newKeySet();
      DirectWriter<V1Pod> smPods = sm.writer(V1Pod.class);
      SharedIndexInformer<V1Pod> smInformer =
          sm.informerFactory().sharedIndexInformerFor(podApi, V1Pod.class, 0L);
      Lister<V1Pod> smView = new Lister<>(smInformer.getIndexer()).namespace(ns);
      Runnable reconcile =
          () -> {
            if (!startSandboxes.get()) {
              return;
            }
            for (V1Pod p : smView.list()) {
              if (!ready(p) && started.add(p.getMetadata().getName())) {
                V1Pod r =
                    new V1Pod()
                        .apiVersion("v1")
                        .kind("Pod")
                        .metadata(p.getMetadata())
                        .spec(p.getSpec())
                        .status(
                            new V1PodStatus()
                                .phase("Running")
                                .conditions(
                                    List.of(new V1PodCondition().type("Ready").status("True"))));
                smPods.updateStatus(r);
              }
            }
          };
      smInformer.addEventHandler(
          new ResourceEventHandler<>() {
            @Override
            public void onAdd(V1Pod p) {
              reconcile.run();
            }

            @Override
            public void onUpdate(V1Pod old, V1Pod p) {
              reconcile.run();
            }

            @Override
            public void onDelete(V1Pod p, boolean unknown) {}
          });
      sm.start();
      sm.informerFactory().startAllRegisteredInformers();

      producer =
          KubeDirect.builder()
              .apiClient(client)
              .stage(
                  StageDeclaration.builder("producer")
                      .downstream("sandbox-manager")
                      .emits(V1Pod.class)
                      .build())
              .transport(net.transport("producer"))
              .discovery(
                  StaticPeerDiscovery.builder()
                      .stage("sandbox-manager", sm.localAddress().orElseThrow())
                      .build())
              .fallbackAfter(Duration.ofSeconds(2))
              .build();
      producer.start();
      producer.informerFactory().startAllRegisteredInformers();
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> seen.hasSynced() && smInformer.hasSynced());
      DirectWriter<V1Pod> pods = producer.writer(V1Pod.class);

      // 1. Pods reach the activator over the sandbox manager's link while the API Server has none
      // of them.
      List<CompletableFuture<V1Pod>> sent = create(pods, ns, "a", 5);
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(30)).until(() -> activatorView.list().size() == 5);
      assertThat(core.listNamespacedPod(ns).execute().getItems())
          .as("nothing persisted yet")
          .isEmpty();
      assertThat(activatorView.list()).noneMatch(SubscriberIT::ready);

      // 2. Readiness reaches it too; the sandbox manager writes the pods back.
      startSandboxes.set(true);
      reconcile.run();
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> activatorView.list().stream().filter(SubscriberIT::ready).count() == 5);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  core.listNamespacedPod(ns).execute().getItems().stream()
                          .filter(SubscriberIT::ready)
                          .count()
                      == 5);

      // 3. The activator is cut off: the main path goes on, without falling back, and persists
      // everything.
      net.faults().partition("sandbox-manager", "activator");
      List<CompletableFuture<V1Pod>> more = create(pods, ns, "b", 5);
      CompletableFuture.allOf(more.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  core.listNamespacedPod(ns).execute().getItems().stream()
                          .filter(SubscriberIT::ready)
                          .count()
                      == 10);
      PeerAddress smAddress = sm.localAddress().orElseThrow();
      KubeDirect head = producer;
      // Past the producer's fallback deadline (2 s) with the activator still cut off: no fallback.
      await()
          .during(Duration.ofSeconds(3))
          .atMost(Duration.ofSeconds(20))
          .until(
              () ->
                  !EngineProbe.engine(head).inFallback(smAddress)
                      && EngineProbe.engine(head).metrics().count("fallback.writes") == 0);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> EngineProbe.engine(head).dirtyCount() == 0);

      // 4. Back: the activator shows the current set, all Ready, and holds nothing ephemeral any
      // more.
      net.faults().heal("sandbox-manager", "activator");
      await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () -> {
                assertThat(
                        activatorView.list().stream()
                            .map(p -> p.getMetadata().getName())
                            .collect(Collectors.toSet()))
                    .hasSize(10);
                assertThat(activatorView.list()).allMatch(SubscriberIT::ready);
                assertThat(EngineProbe.engine(activator).store().size()).isZero();
              });
      assertThat(core.listNamespacedPod(ns).execute().getItems()).hasSize(10);
    } finally {
      if (producer != null) {
        producer.close();
      }
      if (sm != null) {
        sm.close();
      }
      activator.close();
      sched.close();
    }
  }

  static List<CompletableFuture<V1Pod>> create(
      DirectWriter<V1Pod> pods, String ns, String prefix, int n) {
    List<CompletableFuture<V1Pod>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          pods.create(
              new V1Pod()
                  .apiVersion("v1")
                  .kind("Pod")
                  .metadata(
                      new V1ObjectMeta().name(prefix + i).namespace(ns).labels(Map.of("app", "fn")))
                  .spec(
                      new V1PodSpec()
                          .nodeName("node-1")
                          .containers(
                              List.of(
                                  new V1Container().name("main").image("registry.local/fn:1"))))));
    }
    return out;
  }

  static boolean ready(V1Pod p) {
    return p.getStatus() != null
        && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream()
            .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }
}
