package io.kubedirect.examples.faas.cluster;

import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Binding;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.IOException;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds a pod to a node through the {@code pods/binding} subresource, as a scheduler does. */
public final class PodBindings {

  private static final Logger log = LoggerFactory.getLogger(PodBindings.class);

  private PodBindings() {}

  /**
   * POSTs a Binding of {@code pod} (with a UID precondition) to {@code node}.
   *
   * <p>The API Server answers with a Status, which the generated {@code V1Binding} model refuses to
   * deserialize, so the call is run raw and only the HTTP code is checked.
   *
   * @return true on success, or if the pod is already bound (409) or gone (404); false otherwise
   */
  public static boolean bind(CoreV1Api api, V1Pod pod, String node) {
    V1Binding binding =
        new V1Binding()
            .metadata(
                new V1ObjectMeta()
                    .name(pod.getMetadata().getName())
                    .namespace(pod.getMetadata().getNamespace())
                    .uid(pod.getMetadata().getUid()))
            .target(new V1ObjectReference().apiVersion("v1").kind("Node").name(node));
    try (Response response =
        api.createNamespacedBinding(pod.getMetadata().getNamespace(), binding)
            .buildCall(null)
            .execute()) {
      if (response.isSuccessful() || response.code() == 404 || response.code() == 409) {
        return true;
      }
      log.warn("bind {} -> {} failed: HTTP {}", pod.getMetadata().getName(), node, response.code());
      return false;
    } catch (ApiException | IOException e) {
      log.warn("bind {} -> {} failed: {}", pod.getMetadata().getName(), node, e.toString());
      return false;
    }
  }
}
