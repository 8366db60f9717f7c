package io.kubedirect.examples.faas.activator;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.SandboxStatus;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plain {@link SandboxSource}: a client-java informer on the pods that carry the function label
 * ({@link FaasConventions#FUNCTION_LABEL}, all namespaces), the way Knative's activator learns
 * endpoints from an API Server watch. A pod is a ready sandbox of function {@code
 * <namespace>/<label value>} while it is active (not terminating), its Ready condition is True and
 * it has an address: the {@code host:port} of its {@link SandboxStatus#SERVING_CONDITION} (the
 * loopback address of a simulated sandbox), or, only if {@link Builder#podIpPort} is set (a real
 * cluster), its pod IP and that port. Its container concurrency comes from {@link
 * SandboxSpec#CONTAINER_CONCURRENCY_ANNOTATION}. A second informer on ReplicaSets with the label
 * tells which functions exist ({@link #knows}).
 */
public final class ApiServerSandboxSource implements SandboxSource {

  private static final Logger log = LoggerFactory.getLogger(ApiServerSandboxSource.class);
  private static final String BY_FUNCTION = "function";

  private final ApiClient apiClient;
  private final int podIpPort;
  private final Supplier<SharedInformerFactory> informerFactory;
  private final Runnable beforeInformersStart;

  private SharedInformerFactory factory;
  private SharedIndexInformer<V1Pod> pods;
  private SharedIndexInformer<V1ReplicaSet> replicaSets;
  private Listener listener;
  private final ReadyEndpoints ready = new ReadyEndpoints();

  private ApiServerSandboxSource(Builder b) {
    this.apiClient = b.apiClient;
    this.podIpPort = b.podIpPort;
    this.informerFactory = b.informerFactory;
    this.beforeInformersStart = b.beforeInformersStart;
  }

  /** A builder reading through {@code apiClient} (read timeout 0, as for every informer). */
  public static Builder builder(ApiClient apiClient) {
    return new Builder(apiClient);
  }

  @Override
  public synchronized void start(Listener listener) {
    if (factory != null) {
      throw new IllegalStateException("already started");
    }
    this.listener = Objects.requireNonNull(listener, "listener");
    CoreV1Api core = new CoreV1Api(apiClient);
    AppsV1Api apps = new AppsV1Api(apiClient);
    factory =
        informerFactory == null ? new SharedInformerFactory(apiClient) : informerFactory.get();
    pods =
        factory.sharedIndexInformerFor(
            p ->
                core.listPodForAllNamespaces()
                    .labelSelector(FaasConventions.FUNCTION_LABEL)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1Pod.class,
            V1PodList.class);
    replicaSets =
        factory.sharedIndexInformerFor(
            p ->
                apps.listReplicaSetForAllNamespaces()
                    .labelSelector(FaasConventions.FUNCTION_LABEL)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1ReplicaSet.class,
            V1ReplicaSetList.class);
    pods.addIndexers(Map.of(BY_FUNCTION, p -> indexKeys(p.getMetadata())));
    replicaSets.addIndexers(Map.of(BY_FUNCTION, rs -> indexKeys(rs.getMetadata())));
    pods.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod pod) {
            changed(functionOf(pod.getMetadata()), pod, false);
          }

          @Override
          public void onUpdate(V1Pod oldPod, V1Pod newPod) {
            RevisionKey before = functionOf(oldPod.getMetadata());
            RevisionKey after = functionOf(newPod.getMetadata());
            changed(after, newPod, false);
            if (before != null && !before.equals(after)) {
              changed(before, oldPod, true);
            }
          }

          @Override
          public void onDelete(V1Pod pod, boolean finalStateUnknown) {
            changed(functionOf(pod.getMetadata()), pod, true);
          }
        });
    beforeInformersStart.run();
    factory.startAllRegisteredInformers();
  }

  @Override
  public void stop() {
    SharedInformerFactory stopping;
    synchronized (this) {
      stopping = factory;
      factory = null;
      pods = null;
      replicaSets = null;
      ready.clear();
    }
    if (stopping != null) {
      stopping.stopAllRegisteredInformers(); // outside the lock: a handler may be waiting for it
    }
  }

  @Override
  public synchronized boolean hasSynced() {
    return pods != null && pods.hasSynced() && replicaSets.hasSynced();
  }

  /**
   * Knows a function while a ReplicaSet or pod labelled with it exists (and every function before
   * the sync).
   */
  @Override
  public boolean knows(RevisionKey function) {
    SharedIndexInformer<V1Pod> p;
    SharedIndexInformer<V1ReplicaSet> r;
    synchronized (this) {
      p = pods;
      r = replicaSets;
    }
    if (p == null || !p.hasSynced() || !r.hasSynced()) {
      return true;
    }
    String key = function.toString();
    return !r.getIndexer().byIndex(BY_FUNCTION, key).isEmpty()
        || !p.getIndexer().byIndex(BY_FUNCTION, key).isEmpty();
  }

  /** Applies one pod event ({@code gone}: the pod left {@code function}); reports a change. */
  private synchronized void changed(RevisionKey function, V1Pod pod, boolean gone) {
    if (function == null || pods == null) {
      return;
    }
    ready
        .apply(function, Pods.key(pod), gone ? null : endpoint(pod))
        .ifPresent(set -> listener.sandboxesChanged(function, set));
  }

  /** The endpoint of {@code pod} if it is a ready, addressable sandbox, else null. */
  SandboxEndpoint endpoint(V1Pod pod) {
    if (!Pods.isActive(pod) || !Pods.isReady(pod)) {
      return null;
    }
    String key = Pods.key(pod);
    int cc = SandboxSpec.containerConcurrency(pod);
    String serving = SandboxStatus.servingAddress(pod);
    try {
      if (serving != null) {
        return SandboxEndpoint.parse(key, serving, cc);
      }
      String ip = pod.getStatus().getPodIP();
      return podIpPort > 0 && ip != null ? new SandboxEndpoint(key, ip, podIpPort, cc) : null;
    } catch (IllegalArgumentException e) {
      log.warn("pod {} has an unusable serving address: {}", key, e.getMessage());
      return null;
    }
  }

  private static List<String> indexKeys(V1ObjectMeta meta) {
    RevisionKey k = functionOf(meta);
    return k == null ? List.of() : List.of(k.toString());
  }

  private static RevisionKey functionOf(V1ObjectMeta meta) {
    if (meta == null
        || meta.getLabels() == null
        || meta.getNamespace() == null
        || meta.getNamespace().isEmpty()) {
      return null;
    }
    String fn = meta.getLabels().get(FaasConventions.FUNCTION_LABEL);
    return fn == null || fn.isEmpty() ? null : new RevisionKey(meta.getNamespace(), fn);
  }

  /** Builder for {@link ApiServerSandboxSource}. */
  public static final class Builder {
    private final ApiClient apiClient;
    private int podIpPort;
    private Supplier<SharedInformerFactory> informerFactory;
    private Runnable beforeInformersStart = () -> {};

    private Builder(ApiClient apiClient) {
      this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
    }

    /**
     * Also routes to ready pods without a serving condition, at {@code podIP:port} (Knative's
     * queue-proxy port is 8012). Off by default: the example pods' IPs are made up, and must never
     * be dialled.
     */
    public Builder podIpPort(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range: " + port);
      }
      this.podIpPort = port;
      return this;
    }

    /**
     * Reads the pods through informers of the factory {@code factory} makes at each start (default:
     * a plain client-java factory), running {@code beforeInformersStart} after registering them and
     * before starting them.
     */
    Builder informerFactory(
        Supplier<SharedInformerFactory> factory, Runnable beforeInformersStart) {
      this.informerFactory = Objects.requireNonNull(factory, "factory");
      this.beforeInformersStart =
          Objects.requireNonNull(beforeInformersStart, "beforeInformersStart");
      return this;
    }

    /** The source. */
    public ApiServerSandboxSource build() {
      return new ApiServerSandboxSource(this);
    }
  }
}
