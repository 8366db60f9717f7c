package io.kubedirect.runtime.spi;

import io.kubedirect.api.WriteResult;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The persisted store that the write-back cache writes to: the API Server in production ({@code
 * ClientJavaObjectApi}), a simulated store in the deterministic simulation. Calls may block; the
 * runtime makes them from its write-back workers, never from a link's event loop.
 *
 * <p>Kinds are the protocol's kind strings, {@code "<group>/<version>/<Kind>"}, e.g. {@code
 * "/v1/Pod"}.
 */
public interface PersistedObjectApi {

  /**
   * Creates {@code object}; an existing object of that name yields {@link
   * WriteResult.Status#ALREADY_EXISTS}.
   */
  WriteResult create(String kind, KubernetesObject object);

  /** Replaces {@code object}, with its {@code metadata.resourceVersion} as precondition. */
  WriteResult update(String kind, KubernetesObject object);

  /** Replaces the status subresource, with its {@code metadata.resourceVersion} as precondition. */
  WriteResult updateStatus(String kind, KubernetesObject object);

  /**
   * Deletes the object; a missing object yields {@link WriteResult.Status#NOT_FOUND}.
   *
   * @param uid the uid the stored object must have (a precondition: another incarnation of the name
   *     answers {@link WriteResult.Status#CONFLICT} and stays), or null for none
   */
  WriteResult delete(String kind, String namespace, String name, String uid);

  /** {@link #delete(String, String, String, String)} without a uid precondition. */
  default WriteResult delete(String kind, String namespace, String name) {
    return delete(kind, namespace, name, null);
  }

  /**
   * Creates {@code body} in a subresource of the stored object, e.g. a pod's {@code binding} (the
   * only way to set {@code spec.nodeName} of a stored pod). A subresource whose state is already
   * set (a bound pod) answers {@link WriteResult.Status#CONFLICT}; a missing object {@link
   * WriteResult.Status#NOT_FOUND}. The default supports none ({@link WriteResult.Status#FAILED}).
   */
  default WriteResult createSubresource(
      String kind, String namespace, String name, String subresource, KubernetesObject body) {
    return WriteResult.of(
        WriteResult.Status.FAILED, "subresource " + subresource + " of " + kind + " not supported");
  }

  /** Reads the object as currently stored. */
  Optional<KubernetesObject> get(String kind, String namespace, String name);

  /**
   * The store's current revision as seen by a read made now (a linearizable read: for the API
   * Server, the {@code metadata.resourceVersion} of a list of {@code kind} with {@code limit=1}).
   * Used as a barrier after an ambiguous create: once the {@link PersistedObjectFeed} has observed
   * this revision, it has delivered every change committed before the read. Empty when the store
   * cannot tell right now (unsupported, or the read failed); the default is empty.
   */
  default OptionalLong currentRevision(String kind) {
    return OptionalLong.empty();
  }

  /**
   * Records a Kubernetes Event about {@code involved} (e.g. {@code FailedCreate} on the owner of an
   * object the store rejected), as {@code kubectl describe} shows it. Best effort: failures are
   * ignored. The default records nothing.
   *
   * @param type {@code Normal} or {@code Warning}
   */
  default void recordEvent(
      String namespace, V1ObjectReference involved, String type, String reason, String message) {}
}
