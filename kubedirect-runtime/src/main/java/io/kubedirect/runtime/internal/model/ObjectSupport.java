package io.kubedirect.runtime.internal.model;

import io.kubedirect.api.KubeDirectLabels;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.MergePatches;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.lang.reflect.Method;
import java.util.Map;

/** Helpers on client-java model objects (internal). */
public final class ObjectSupport {

  private ObjectSupport() {}

  /** {@code namespace/name} of an object. */
  public static String key(KubernetesObject o) {
    V1ObjectMeta m = o.getMetadata();
    if (m == null || m.getName() == null || m.getName().isEmpty()) {
      throw new IllegalArgumentException("object has no metadata.name");
    }
    return Kinds.key(m.getNamespace(), m.getName());
  }

  /**
   * The resourceVersion when the object is persisted, else null (null, empty and "0" mean
   * ephemeral).
   */
  public static String persistedRv(KubernetesObject o) {
    V1ObjectMeta m = o.getMetadata();
    String rv = m == null ? null : m.getResourceVersion();
    return rv == null || rv.isEmpty() || rv.equals("0") ? null : rv;
  }

  /**
   * Whether the persisted copy {@code api} supersedes an ephemeral object (API copy wins). A
   * never-persisted ephemeral object ({@code baseRv == null}) is superseded by any persisted copy.
   * An ephemeral update of a persisted object is superseded once the API Server moved past its base
   * with a spec change (a higher {@code metadata.generation}, or any change when generations are
   * absent); a status-only write in between does not supersede it, so a lazily written-back scale
   * change is not undone by a status update.
   */
  public static boolean supersedes(
      KubernetesObject api, String baseRv, KubernetesObject ephemeral) {
    V1ObjectMeta m = api.getMetadata();
    String rv = m == null ? null : m.getResourceVersion();
    if (supersedes(rv, m == null ? null : m.getGeneration(), baseRv, ephemeral)) {
      return true;
    }
    // A change that bumps no generation (a pod's binding) is persisted once a later copy carries
    // it.
    return ephemeral != null
        && rv != null
        && !rv.equals(baseRv)
        && MergePatches.carries(api, ephemeral);
  }

  /**
   * {@link #supersedes(KubernetesObject, String, KubernetesObject)} from the API copy's rv and
   * generation.
   */
  public static boolean supersedes(
      String rv, Long apiGen, String baseRv, KubernetesObject ephemeral) {
    if (baseRv == null) {
      return true;
    }
    if (baseRv.equals(rv)) {
      return false;
    }
    Long ephGen =
        ephemeral == null || ephemeral.getMetadata() == null
            ? null
            : ephemeral.getMetadata().getGeneration();
    return apiGen == null || ephGen == null || apiGen > ephGen;
  }

  /** Whether the label {@code key} is "true". */
  public static boolean labelTrue(KubernetesObject o, String key) {
    V1ObjectMeta m = o.getMetadata();
    Map<String, String> labels = m == null ? null : m.getLabels();
    return labels != null && KubeDirectLabels.isTrue(labels.get(key));
  }

  /** A deep copy via the client's JSON mapping. */
  @SuppressWarnings("unchecked")
  public static <T extends KubernetesObject> T deepCopy(T o) {
    return (T) JSON.deserialize(JSON.serialize(o), o.getClass());
  }

  /** Serialized size in bytes (approximate, for logs and benchmarks). */
  public static int jsonSize(KubernetesObject o) {
    return JSON.serialize(o).length();
  }

  /**
   * A copy fit for a create on the API Server: no resourceVersion, uid or managedFields; status
   * kept (the API Server ignores it on create for kinds with a status subresource).
   */
  public static <T extends KubernetesObject> T forCreate(T o) {
    T c = deepCopy(o);
    V1ObjectMeta m = c.getMetadata();
    m.setResourceVersion(null);
    m.setUid(null);
    m.setManagedFields(null);
    m.setCreationTimestamp(null);
    dropEmptyAnnotations(m);
    normalizeForApi(c);
    return c;
  }

  /**
   * Works around client-java models that initialise {@code PodSpec.overhead} to an empty map, which
   * the API Server's RuntimeClass admission rejects ("Pod Overhead set without corresponding
   * RuntimeClass", kubernetes-client/java#3076): an empty overhead is sent as absent.
   */
  public static void normalizeForApi(KubernetesObject o) {
    if (o instanceof V1Pod pod
        && pod.getSpec() != null
        && pod.getSpec().getOverhead() != null
        && pod.getSpec().getOverhead().isEmpty()) {
      pod.getSpec().setOverhead(null);
    }
  }

  /** A copy with {@code rv} as resourceVersion precondition. */
  public static <T extends KubernetesObject> T withRv(T o, String rv) {
    T c = deepCopy(o);
    c.getMetadata().setResourceVersion(rv);
    c.getMetadata().setManagedFields(null);
    dropEmptyAnnotations(c.getMetadata());
    normalizeForApi(c);
    return c;
  }

  /**
   * Copies {@code status} (via {@code getStatus/setStatus}) from {@code from} onto a copy of {@code
   * to}.
   *
   * @throws IllegalArgumentException if the kind has no status accessors
   */
  public static <T extends KubernetesObject> T withStatusOf(T to, KubernetesObject from) {
    try {
      Method get = from.getClass().getMethod("getStatus");
      T c = deepCopy(to);
      Object status = get.invoke(from);
      Method set = c.getClass().getMethod("setStatus", get.getReturnType());
      set.invoke(c, status);
      return c;
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException(from.getClass().getSimpleName() + " has no status", e);
    }
  }

  /** The {@code status} of an object, or null. */
  public static Object status(KubernetesObject o) {
    try {
      return o.getClass().getMethod("getStatus").invoke(o);
    } catch (ReflectiveOperationException e) {
      return null;
    }
  }

  /**
   * A bare object of {@code kind} carrying only apiVersion, kind, namespace and name (for
   * deletions).
   */
  public static KubernetesObject stub(String kind, String namespace, String name) {
    try {
      Class<? extends KubernetesObject> type = Kinds.classOf(kind);
      KubernetesObject o = type.getDeclaredConstructor().newInstance();
      V1ObjectMeta meta =
          new V1ObjectMeta()
              .name(name)
              .namespace(namespace == null || namespace.isEmpty() ? null : namespace);
      type.getMethod("setMetadata", V1ObjectMeta.class).invoke(o, meta);
      type.getMethod("setApiVersion", String.class).invoke(o, Kinds.apiVersion(kind));
      type.getMethod("setKind", String.class).invoke(o, Kinds.kindName(kind));
      return o;
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("cannot instantiate " + kind, e);
    }
  }

  private static void dropEmptyAnnotations(V1ObjectMeta m) {
    if (m.getAnnotations() != null && m.getAnnotations().isEmpty()) {
      m.setAnnotations(null);
    }
  }
}
