package io.kubedirect.runtime.discovery;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import java.util.function.Supplier;

/** Validates the source options of the informer-based builders. */
final class Sources {

  private Sources() {}

  /**
   * The lister-watcher to register (null if the shared factory already has an informer of {@code
   * type}).
   *
   * @throws IllegalStateException if the combination is not usable
   */
  static <T extends KubernetesObject, L extends KubernetesListObject> ListerWatcher<T, L> choose(
      ApiClient apiClient,
      SharedInformerFactory factory,
      ListerWatcher<T, L> listerWatcher,
      Class<T> type,
      Supplier<ListerWatcher<T, L>> fromClient) {
    if (apiClient != null && apiClient.getReadTimeout() != 0) {
      throw new IllegalStateException(
          "the ApiClient's read timeout must be 0 for watches, got "
              + apiClient.getReadTimeout()
              + " ms");
    }
    if (apiClient != null && listerWatcher != null) {
      throw new IllegalStateException("give either an ApiClient or a ListerWatcher, not both");
    }
    if (listerWatcher != null) {
      return listerWatcher;
    }
    if (apiClient != null) {
      return fromClient.get();
    }
    if (factory != null && factory.getExistingSharedIndexInformer(type) != null) {
      return null;
    }
    throw new IllegalStateException(
        factory == null
            ? "a source is required: apiClient, listerWatcher or informerFactory"
            : "the informer factory has no "
                + type.getSimpleName()
                + " informer yet: also give an apiClient or a "
                + "listerWatcher to register one");
  }
}
