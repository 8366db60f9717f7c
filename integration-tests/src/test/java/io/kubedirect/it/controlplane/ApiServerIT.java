package io.kubedirect.it.controlplane;

import static io.kubedirect.it.controlplane.Fixtures.configMap;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubedirect.testing.controlplane.Component;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.apis.VersionApi;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1NamespaceList;
import io.kubernetes.client.util.Config;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** etcd + kube-apiserver only: CRUD, informers, kubeconfig, auth. */
@LocalKubernetes
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ApiServerIT {

  @Test
  void servesTheBuiltVersion(ApiClient client) throws ApiException {
    assertThat(new VersionApi(client).getCode().execute().getGitVersion()).isEqualTo("v1.36.3");
  }

  @Test
  void createGetListUpdateDelete(LocalControlPlane cp) throws ApiException {
    CoreV1Api core = new CoreV1Api(cp.newApiClient(Duration.ofSeconds(30)));
    String ns = Fixtures.createNamespace(cp.apiClient(), "crud");
    core.createNamespacedConfigMap(ns, configMap(ns, "a", "1")).execute();
    core.createNamespacedConfigMap(ns, configMap(ns, "b", "2")).execute();

    V1ConfigMap a = core.readNamespacedConfigMap("a", ns).execute();
    assertThat(a.getData()).containsEntry("v", "1");
    assertThat(core.listNamespacedConfigMap(ns).execute().getItems())
        .extracting(c -> c.getMetadata().getName())
        .contains("a", "b");

    a.setData(java.util.Map.of("v", "1b"));
    V1ConfigMap updated = core.replaceNamespacedConfigMap("a", ns, a).execute();
    assertThat(updated.getMetadata().getResourceVersion())
        .isNotEqualTo(a.getMetadata().getResourceVersion());

    core.deleteNamespacedConfigMap("b", ns).execute();
    assertThatThrownBy(() -> core.readNamespacedConfigMap("b", ns).execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(404));
  }

  @Test
  void informerSeesAddUpdateDelete(ApiClient client) throws ApiException {
    assertThat(client.getReadTimeout()).isZero();
    String ns = Fixtures.createNamespace(client, "informer");
    CoreV1Api core = new CoreV1Api(client);
    core.createNamespacedConfigMap(ns, configMap(ns, "pre", "0")).execute();

    List<String> events = new CopyOnWriteArrayList<>();
    SharedInformerFactory factory = new SharedInformerFactory(client);
    SharedIndexInformer<V1ConfigMap> informer = Fixtures.configMapInformer(factory, client, ns);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1ConfigMap obj) {
            events.add("ADD " + obj.getMetadata().getName() + "=" + obj.getData().get("v"));
          }

          @Override
          public void onUpdate(V1ConfigMap oldObj, V1ConfigMap newObj) {
            events.add(
                "UPDATE " + newObj.getMetadata().getName() + "=" + newObj.getData().get("v"));
          }

          @Override
          public void onDelete(V1ConfigMap obj, boolean deletedFinalStateUnknown) {
            events.add("DELETE " + obj.getMetadata().getName());
          }
        });
    factory.startAllRegisteredInformers();
    try {
      await().atMost(Duration.ofSeconds(30)).until(informer::hasSynced);
      // Handlers run on their own thread, after the store is filled.
      await().atMost(Duration.ofSeconds(30)).until(() -> !events.isEmpty());
      assertThat(events).containsExactly("ADD pre=0");

      core.createNamespacedConfigMap(ns, configMap(ns, "live", "1")).execute();
      V1ConfigMap live = core.readNamespacedConfigMap("live", ns).execute();
      live.setData(java.util.Map.of("v", "2"));
      core.replaceNamespacedConfigMap("live", ns, live).execute();
      core.deleteNamespacedConfigMap("live", ns).execute();

      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () ->
                  assertThat(events)
                      .containsSubsequence("ADD live=1", "UPDATE live=2", "DELETE live"));
      assertThat(informer.getIndexer().getByKey(ns + "/live")).isNull();
      assertThat(informer.getIndexer().getByKey(ns + "/pre")).isNotNull();
    } finally {
      factory.stopAllRegisteredInformers();
    }
  }

  @Test
  void kubeconfigFileWorksForOtherClients(LocalControlPlane cp) throws Exception {
    assertThat(Files.readString(cp.kubeconfig())).contains(cp.apiServerUrl());
    ApiClient fromFile = Config.fromConfig(cp.kubeconfig().toString());
    V1NamespaceList namespaces = new CoreV1Api(fromFile).listNamespace().execute();
    assertThat(namespaces.getItems())
        .extracting(n -> n.getMetadata().getName())
        .contains("default", "kube-system");
  }

  @Test
  void rejectsAWrongToken(LocalControlPlane cp) {
    ApiClient wrongToken = cp.newApiClient(Duration.ofSeconds(10));
    wrongToken.setApiKey("wrong-token");
    assertThatThrownBy(() -> new CoreV1Api(wrongToken).listNamespace().execute())
        .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getCode()).isEqualTo(401));
  }

  @Test
  void componentLogsAreWrittenToTheWorkDir(LocalControlPlane cp) throws Exception {
    assertThat(cp.spec().components()).containsExactly(Component.ETCD, Component.KUBE_APISERVER);
    assertThat(cp.logFile(Component.KUBE_APISERVER)).startsWith(cp.workDir());
    assertThat(Files.readString(cp.logFile(Component.KUBE_APISERVER))).contains("--secure-port=");
    assertThat(cp.startupTimings().perComponent())
        .containsKeys(Component.ETCD, Component.KUBE_APISERVER);
  }
}
