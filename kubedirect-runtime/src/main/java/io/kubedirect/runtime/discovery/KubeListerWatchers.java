package io.kubedirect.runtime.discovery;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseList;
import io.kubernetes.client.openapi.models.V1Node;
import io.kubernetes.client.openapi.models.V1NodeList;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;

/** List/watch sources on the API Server for the informer-based discoveries. */
final class KubeListerWatchers {

  private KubeListerWatchers() {}

  /** Pods in {@code namespace} matching {@code labelSelector}. */
  static ListerWatcher<V1Pod, V1PodList> pods(
      ApiClient client, String namespace, String labelSelector) {
    CoreV1Api api = new CoreV1Api(client);
    return new ListerWatcher<>() {
      @Override
      public V1PodList list(CallGeneratorParams p) throws ApiException {
        return api.listNamespacedPod(namespace)
            .labelSelector(labelSelector)
            .resourceVersion(p.resourceVersion)
            .timeoutSeconds(p.timeoutSeconds)
            .execute();
      }

      @Override
      public Watchable<V1Pod> watch(CallGeneratorParams p) throws ApiException {
        return Watch.createWatch(
            client,
            api.listNamespacedPod(namespace)
                .labelSelector(labelSelector)
                .resourceVersion(p.resourceVersion)
                .timeoutSeconds(p.timeoutSeconds)
                .allowWatchBookmarks(true)
                .watch(true)
                .buildCall(null),
            new TypeToken<Watch.Response<V1Pod>>() {}.getType());
      }
    };
  }

  /** All nodes. */
  static ListerWatcher<V1Node, V1NodeList> nodes(ApiClient client) {
    CoreV1Api api = new CoreV1Api(client);
    return new ListerWatcher<>() {
      @Override
      public V1NodeList list(CallGeneratorParams p) throws ApiException {
        return api.listNode()
            .resourceVersion(p.resourceVersion)
            .timeoutSeconds(p.timeoutSeconds)
            .execute();
      }

      @Override
      public Watchable<V1Node> watch(CallGeneratorParams p) throws ApiException {
        return Watch.createWatch(
            client,
            api.listNode()
                .resourceVersion(p.resourceVersion)
                .timeoutSeconds(p.timeoutSeconds)
                .allowWatchBookmarks(true)
                .watch(true)
                .buildCall(null),
            new TypeToken<Watch.Response<V1Node>>() {}.getType());
      }
    };
  }

  /** Leases in {@code namespace} matching {@code labelSelector}. */
  static ListerWatcher<V1Lease, V1LeaseList> leases(
      ApiClient client, String namespace, String labelSelector) {
    CoordinationV1Api api = new CoordinationV1Api(client);
    return new ListerWatcher<>() {
      @Override
      public V1LeaseList list(CallGeneratorParams p) throws ApiException {
        return api.listNamespacedLease(namespace)
            .labelSelector(labelSelector)
            .resourceVersion(p.resourceVersion)
            .timeoutSeconds(p.timeoutSeconds)
            .execute();
      }

      @Override
      public Watchable<V1Lease> watch(CallGeneratorParams p) throws ApiException {
        return Watch.createWatch(
            client,
            api.listNamespacedLease(namespace)
                .labelSelector(labelSelector)
                .resourceVersion(p.resourceVersion)
                .timeoutSeconds(p.timeoutSeconds)
                .allowWatchBookmarks(true)
                .watch(true)
                .buildCall(null),
            new TypeToken<Watch.Response<V1Lease>>() {}.getType());
      }
    };
  }
}
