package io.kubedirect.runtime.store;

import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Shares equal sub-objects between ephemeral objects so that thousands of pods decoded from one ReplicaSet
 * template hold one copy of their containers, labels, owner references, tolerations, volumes and node
 * selector. A bounded LRU map of canonical instances; thread-safe.
 *
 * <p>Objects in an informer cache are read-only by convention (client-java hands out the cached instance);
 * with interning that convention matters more: mutate a deep copy, never a received object in place.
 */
public final class ObjectInterner {

  private final Map<Object, Object> canonical;

  /** An interner remembering at most {@code maxEntries} distinct sub-objects. */
  public ObjectInterner(int maxEntries) {
    this.canonical = new LinkedHashMap<>(256, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<Object, Object> eldest) {
        return size() > maxEntries;
      }
    };
  }

  /** Replaces shareable parts of {@code o} by canonical equal instances; returns {@code o}. */
  public KubernetesObject compact(KubernetesObject o) {
    V1ObjectMeta m = o.getMetadata();
    if (m != null) {
      m.setLabels(intern(m.getLabels()));
      m.setAnnotations(intern(m.getAnnotations()));
      m.setOwnerReferences(intern(m.getOwnerReferences()));
      m.setFinalizers(intern(m.getFinalizers()));
      m.setNamespace(intern(m.getNamespace()));
      m.setGenerateName(intern(m.getGenerateName()));
    }
    if (o instanceof V1Pod pod && pod.getSpec() != null) {
      V1PodSpec s = pod.getSpec();
      s.setContainers(intern(s.getContainers()));
      s.setInitContainers(intern(s.getInitContainers()));
      s.setTolerations(intern(s.getTolerations()));
      s.setVolumes(intern(s.getVolumes()));
      s.setNodeSelector(intern(s.getNodeSelector()));
      s.setImagePullSecrets(intern(s.getImagePullSecrets()));
      s.setNodeName(intern(s.getNodeName()));
      s.setSchedulerName(intern(s.getSchedulerName()));
      s.setRestartPolicy(intern(s.getRestartPolicy()));
      s.setServiceAccountName(intern(s.getServiceAccountName()));
      s.setAffinity(intern(s.getAffinity()));
      s.setSecurityContext(intern(s.getSecurityContext()));
      s.setTopologySpreadConstraints(intern(s.getTopologySpreadConstraints()));
    }
    return o;
  }

  /** The canonical instance equal to {@code value} (null stays null). */
  @SuppressWarnings("unchecked")
  public synchronized <V> V intern(V value) {
    if (value == null) {
      return null;
    }
    Object c = canonical.putIfAbsent(value, value);
    return c == null ? value : (V) c;
  }

  /** Number of canonical instances held. */
  public synchronized int size() {
    return canonical.size();
  }
}
