package io.kubedirect.it.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.KindStrategies;
import io.kubedirect.api.KindStrategy;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.client.ClientJavaObjectApi;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.writeback.WriteBackQueue;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Binding through the write-back on a real kube-apiserver: {@code spec.nodeName} of a stored pod is
 * immutable for updates and set only through {@code pods/binding}, so a bound copy written over an
 * unbound stored one (a fallback stored it unbound while the scheduler had bound it: fault matrix
 * class C) goes through the binding.
 */
@LocalKubernetes
class PodBindingWriteBackIT {

  static final String POD = "/v1/Pod";

  @Test
  void theBindingSubresourceBindsOnceAndAnswersConflictAndNotFound(ApiClient client)
      throws Exception {
    String ns = namespace(client);
    ClientJavaObjectApi api = new ClientJavaObjectApi(client);
    V1Pod stored = (V1Pod) api.create(POD, pod(ns, "p1", null)).object();

    assertThat(api.update(POD, withNode(stored, "node-a")).status())
        .as("an update cannot set nodeName")
        .isEqualTo(WriteResult.Status.FAILED);
    KindStrategy.SubresourceWrite w =
        KindStrategies.pods().subresourceWrite(withNode(stored, "node-a"), stored);
    assertThat(api.createSubresource(POD, ns, "p1", w.subresource(), w.body()).status())
        .isEqualTo(WriteResult.Status.OK);
    assertThat(((V1Pod) api.get(POD, ns, "p1").orElseThrow()).getSpec().getNodeName())
        .isEqualTo("node-a");
    assertThat(api.createSubresource(POD, ns, "p1", w.subresource(), w.body()).status())
        .as("already bound")
        .isEqualTo(WriteResult.Status.CONFLICT);
    V1Pod missing = pod(ns, "missing", null);
    KindStrategy.SubresourceWrite m =
        KindStrategies.pods().subresourceWrite(withNode(missing, "node-a"), missing);
    assertThat(api.createSubresource(POD, ns, "missing", m.subresource(), m.body()).status())
        .isEqualTo(WriteResult.Status.NOT_FOUND);
  }

  @Test
  void aBoundCopyWrittenBackOverAnUnboundStoredPodIsBoundThenGetsItsStatus(ApiClient client)
      throws Exception {
    String ns = namespace(client);
    ClientJavaObjectApi api = new ClientJavaObjectApi(client);
    api.create(POD, pod(ns, "p2", null)); // what a fallback of the replicaset stage stores
    ExecutorServiceTaskScheduler sched = new ExecutorServiceTaskScheduler("binding-it", 1);
    WriteBackQueue queue =
        new WriteBackQueue(
            api,
            sched,
            new EngineMetrics(null, "sandbox-manager"),
            Duration.ofMillis(50),
            Duration.ofSeconds(1));
    try {
      V1Pod running = pod(ns, "p2", "node-b"); // what the sandbox manager got from the scheduler
      running.setStatus(new V1PodStatus().phase("Running").podIP("10.0.0.7"));
      KubernetesObject out =
          queue
              .submit(POD, WriteOp.UPDATE_STATUS, running, null, WriteBackPolicy.EAGER)
              .get(30, TimeUnit.SECONDS);
      assertThat(out).isNotNull();
      V1Pod now = (V1Pod) api.get(POD, ns, "p2").orElseThrow();
      assertThat(now.getSpec().getNodeName()).isEqualTo("node-b");
      assertThat(now.getStatus().getPhase()).isEqualTo("Running");
      assertThat(now.getStatus().getPodIP()).isEqualTo("10.0.0.7");
    } finally {
      queue.close();
      sched.close();
    }
  }

  private static String namespace(ApiClient client) throws Exception {
    String ns = "kd-bind-" + Long.toHexString(System.nanoTime());
    new CoreV1Api(client)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
        .execute();
    return ns;
  }

  private static V1Pod pod(String ns, String name, String node) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(new V1ObjectMeta().namespace(ns).name(name))
        .spec(
            new V1PodSpec()
                .nodeName(node)
                .containers(List.of(new V1Container().name("c").image("fn:1"))));
  }

  private static V1Pod withNode(V1Pod pod, String node) {
    V1Pod c =
        new V1Pod().apiVersion("v1").kind("Pod").metadata(pod.getMetadata()).spec(pod.getSpec());
    c.setSpec(new V1PodSpec().nodeName(node).containers(pod.getSpec().getContainers()));
    return c;
  }
}
