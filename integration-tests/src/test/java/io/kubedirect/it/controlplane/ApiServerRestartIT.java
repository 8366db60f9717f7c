package io.kubedirect.it.controlplane;

import static io.kubedirect.it.controlplane.Fixtures.configMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.testing.controlplane.Component;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Restarting kube-apiserver (same etcd) is survived by existing clients and informers. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ApiServerRestartIT {
  // Its own instance: restarting the shared one would disturb other test classes.
  private static LocalControlPlane cp;

  @BeforeAll
  static void start() {
    cp = LocalControlPlane.builder().build().start();
  }

  @AfterAll
  static void stop() {
    if (cp != null) {
      cp.close();
    }
  }

  @Test
  void informerKeepsDeliveringAfterRestart() throws Exception {
    ApiClient watchClient = cp.apiClient();
    ApiClient requests = cp.newApiClient(Duration.ofSeconds(20));
    CoreV1Api core = new CoreV1Api(requests);
    String ns = Fixtures.createNamespace(requests, "restart");
    core.createNamespacedConfigMap(ns, configMap(ns, "before", "1")).execute();

    Set<String> seen = ConcurrentHashMap.newKeySet();
    SharedInformerFactory factory = new SharedInformerFactory(watchClient);
    SharedIndexInformer<V1ConfigMap> informer =
        Fixtures.configMapInformer(factory, watchClient, ns);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1ConfigMap obj) {
            seen.add(obj.getMetadata().getName());
          }

          @Override
          public void onUpdate(V1ConfigMap oldObj, V1ConfigMap newObj) {
            seen.add(newObj.getMetadata().getName());
          }

          @Override
          public void onDelete(V1ConfigMap obj, boolean deletedFinalStateUnknown) {}
        });
    factory.startAllRegisteredInformers();
    try {
      await().atMost(Duration.ofSeconds(30)).until(() -> seen.contains("before"));
      String urlBefore = cp.apiServerUrl();
      long pidBefore = apiServerPid();

      Duration restart = cp.restartApiServer();

      assertThat(restart).isPositive();
      assertThat(cp.apiServerUrl()).isEqualTo(urlBefore);
      assertThat(apiServerPid()).isNotEqualTo(pidBefore);
      assertThat(ProcessHandle.of(pidBefore).map(ProcessHandle::isAlive).orElse(false)).isFalse();
      // Data lives in etcd, so it is still there; the old client works against the new process.
      assertThat(core.readNamespacedConfigMap("before", ns).execute().getData())
          .containsEntry("v", "1");
      core.createNamespacedConfigMap(ns, configMap(ns, "after", "2")).execute();

      await().atMost(Duration.ofSeconds(60)).until(() -> seen.contains("after"));
      assertThat(informer.getIndexer().getByKey(ns + "/after")).isNotNull();
      assertThat(Files.readString(cp.logFile(Component.KUBE_APISERVER)).split("\n=== "))
          .hasSizeGreaterThan(1);
    } finally {
      factory.stopAllRegisteredInformers();
    }
  }

  private static long apiServerPid() {
    return cp.pid(Component.KUBE_APISERVER).orElseThrow();
  }
}
