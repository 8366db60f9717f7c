package io.kubedirect.it.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.discovery.StaticPeerDiscovery;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Fallback against a real kube-apiserver: with no downstream reachable, objects go through the API
 * Server once the link has been down past the deadline, and objects labelled {@code
 * kubedirect.io/fallback=true} go through it at once.
 */
@LocalKubernetes
class FallbackIT {

  private static final Duration FALLBACK_AFTER = Duration.ofSeconds(3);

  @Test
  void objectsGoThroughTheApiServerWhenTheLinkStaysDown(ApiClient client) throws Exception {
    String ns = "kd-fb-" + Long.toHexString(System.nanoTime());
    CoreV1Api core = new CoreV1Api(client);
    core.createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns))).execute();
    ExecutorServiceTaskScheduler sched = new ExecutorServiceTaskScheduler("it-fb", 2);
    InMemoryNetwork net = InMemoryNetwork.builder(sched).build();
    StageDeclaration head =
        StageDeclaration.builder("producer")
            .downstream("sandbox-manager")
            .emits(V1Pod.class)
            .build();
    SimpleMeterRegistry metrics = new SimpleMeterRegistry();
    KubeDirect kd =
        KubeDirect.builder()
            .apiClient(client)
            .stage(head)
            .transport(net.transport("producer"))
            .discovery(
                StaticPeerDiscovery.builder()
                    .stage("sandbox-manager", new PeerAddress("nobody", 9))
                    .build())
            .meterRegistry(metrics)
            .fallbackAfter(FALLBACK_AFTER)
            .build();
    // Only states are waited for and only lower bounds on time are checked: on a loaded machine the
    // labelled create may well take longer than the 3 s window, and that must not matter.
    long startNanos = System.nanoTime();
    try {
      kd.start();
      kd.informerFactory().startAllRegisteredInformers();
      DirectWriter<V1Pod> pods = kd.writer(V1Pod.class);
      CompletableFuture<V1Pod> delayed = pods.create(pod(ns, "delayed", Map.of("app", "fn")));
      CompletableFuture<V1Pod> labelled =
          pods.create(pod(ns, "labelled", Map.of("app", "fn", "kubedirect.io/fallback", "true")));
      // The labelled pod is sent to the API Server at once, by the label, not by the link deadline.
      assertThat(fallbackWrites(metrics, "label")).isEqualTo(1.0);
      V1Pod l = labelled.get(60, TimeUnit.SECONDS);
      assertThat(l.getMetadata().getResourceVersion()).isNotEmpty();

      // The unlabelled pod waits for the link until the deadline passes (the timer starts with the
      // session, not before kd.start()), then goes through the API Server because the link is down.
      V1Pod d = delayed.get(60, TimeUnit.SECONDS);
      long delayedDoneNanos = System.nanoTime();
      assertThat(d.getMetadata().getResourceVersion()).isNotEmpty();
      assertThat(Duration.ofNanos(delayedDoneNanos - startNanos))
          .as("delayed pod waited for the deadline")
          .isGreaterThanOrEqualTo(FALLBACK_AFTER);
      assertThat(fallbackWrites(metrics, "link-down"))
          .as("delayed pod went by the link deadline")
          .isEqualTo(1.0);
      assertThat(fallbackWrites(metrics, "label"))
          .as("only the labelled pod went by the label")
          .isEqualTo(1.0);

      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .untilAsserted(
              () ->
                  assertThat(core.listNamespacedPod(ns).execute().getItems())
                      .extracting(p -> p.getMetadata().getName())
                      .containsExactlyInAnyOrder("delayed", "labelled"));
      List<V1Pod> stored = core.listNamespacedPod(ns).execute().getItems();
      assertThat(stored).allSatisfy(p -> assertThat(p.getSpec().getNodeName()).isEqualTo("node-1"));
    } finally {
      kd.informerFactory().stopAllRegisteredInformers();
      kd.close();
      sched.close();
    }
  }

  private static double fallbackWrites(SimpleMeterRegistry metrics, String reason) {
    return metrics.find("kubedirect.fallback.writes").tag("reason", reason).counters().stream()
        .mapToDouble(Counter::count)
        .sum();
  }

  private static V1Pod pod(String ns, String name, Map<String, String> labels) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta().name(name).namespace(ns).labels(labels))
        .spec(
            new V1PodSpec()
                .nodeName("node-1")
                .containers(List.of(new V1Container().name("main").image("registry.local/fn:1"))));
  }
}
