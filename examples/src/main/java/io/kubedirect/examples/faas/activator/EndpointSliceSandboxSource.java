package io.kubedirect.examples.faas.activator;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.LoopbackPodNetwork;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.DiscoveryV1Api;
import io.kubernetes.client.openapi.models.DiscoveryV1EndpointPort;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1Endpoint;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The K8s+ {@link SandboxSource}, the way Knative's activator learns a revision's endpoints: from
 * the EndpointSlices that the stock endpointslice controller writes for the function's Service (a
 * Service labelled {@link FaasConventions#FUNCTION_LABEL}; the controller copies the Service's
 * labels onto its slices). A sandbox is ready while its endpoint is listed with condition {@code
 * ready} (not false) and not {@code terminating}; it is dialled at the endpoint's pod IP and the
 * slice's port ({@code http}, or the only one), the pod IP mapped to its loopback twin ({@link
 * LoopbackPodNetwork}: the stock controllers publish the pod IPs that the sandbox managers assign,
 * and the sandboxes listen there with {@link HttpSandboxRuntime.Builder#listenOnPodAddress}). The
 * function's container concurrency comes from its Deployment's pod template ({@link
 * SandboxSpec#CONTAINER_CONCURRENCY_ANNOTATION}), as Knative's activator reads it from the
 * Revision; a function is {@linkplain #knows known} while such a Deployment exists.
 */
public final class EndpointSliceSandboxSource implements SandboxSource {

  private static final Logger log = LoggerFactory.getLogger(EndpointSliceSandboxSource.class);
  private static final String BY_FUNCTION = "function";

  private final ApiClient apiClient;

  private SharedInformerFactory factory;
  private SharedIndexInformer<V1EndpointSlice> slices;
  private SharedIndexInformer<V1Deployment> deployments;
  private Listener listener;
  private final Map<RevisionKey, Set<SandboxEndpoint>> reported = new HashMap<>();

  /** A source reading through {@code apiClient} (read timeout 0, as for every informer). */
  public EndpointSliceSandboxSource(ApiClient apiClient) {
    this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
  }

  @Override
  public synchronized void start(Listener listener) {
    if (factory != null) {
      throw new IllegalStateException("already started");
    }
    this.listener = Objects.requireNonNull(listener, "listener");
    NullEndpointsWorkaround.install();
    DiscoveryV1Api discovery = new DiscoveryV1Api(apiClient);
    AppsV1Api apps = new AppsV1Api(apiClient);
    factory = new SharedInformerFactory(apiClient);
    slices =
        factory.sharedIndexInformerFor(
            p ->
                discovery
                    .listEndpointSliceForAllNamespaces()
                    .labelSelector(FaasConventions.FUNCTION_LABEL)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1EndpointSlice.class,
            V1EndpointSliceList.class);
    deployments =
        factory.sharedIndexInformerFor(
            p ->
                apps.listDeploymentForAllNamespaces()
                    .labelSelector(FaasConventions.FUNCTION_LABEL)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1Deployment.class,
            V1DeploymentList.class);
    slices.addIndexers(Map.of(BY_FUNCTION, s -> indexKeys(s.getMetadata())));
    deployments.addIndexers(Map.of(BY_FUNCTION, d -> indexKeys(d.getMetadata())));
    slices.addEventHandler(handler(s -> changed(FunctionAutoscaling.functionOf(s.getMetadata()))));
    deployments.addEventHandler(
        handler(d -> changed(FunctionAutoscaling.functionOf(d.getMetadata()))));
    factory.startAllRegisteredInformers();
  }

  private static <T extends KubernetesObject> ResourceEventHandler<T> handler(Consumer<T> changed) {
    return new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        changed.accept(obj);
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        changed.accept(oldObj);
        changed.accept(newObj);
      }

      @Override
      public void onDelete(T obj, boolean finalStateUnknown) {
        changed.accept(obj);
      }
    };
  }

  @Override
  public void stop() {
    SharedInformerFactory stopping;
    synchronized (this) {
      stopping = factory;
      factory = null;
      slices = null;
      deployments = null;
      reported.clear();
    }
    if (stopping != null) {
      stopping.stopAllRegisteredInformers(); // outside the lock: a handler may be waiting for it
    }
  }

  @Override
  public synchronized boolean hasSynced() {
    return slices != null && slices.hasSynced() && deployments.hasSynced();
  }

  /**
   * Knows a function while a Deployment labelled with it exists (and every function before the
   * sync).
   */
  @Override
  public boolean knows(RevisionKey function) {
    SharedIndexInformer<V1Deployment> d;
    synchronized (this) {
      d = deployments;
    }
    if (d == null || !d.hasSynced()) {
      return true;
    }
    return !d.getIndexer().byIndex(BY_FUNCTION, function.toString()).isEmpty();
  }

  private synchronized void changed(RevisionKey function) {
    if (function == null || slices == null) {
      return;
    }
    int cc = containerConcurrency(function);
    Set<SandboxEndpoint> ready = new HashSet<>();
    for (V1EndpointSlice slice : slices.getIndexer().byIndex(BY_FUNCTION, function.toString())) {
      ready.addAll(endpoints(slice, cc));
    }
    Set<SandboxEndpoint> before = reported.get(function);
    if (ready.equals(before) || (before == null && ready.isEmpty())) {
      return;
    }
    reported.put(function, Set.copyOf(ready));
    listener.sandboxesChanged(function, Set.copyOf(ready));
  }

  private int containerConcurrency(RevisionKey function) {
    List<V1Deployment> found = deployments.getIndexer().byIndex(BY_FUNCTION, function.toString());
    return found.stream()
        .min(Comparator.comparing(d -> d.getMetadata().getName()))
        .map(
            d ->
                d.getSpec() == null || d.getSpec().getTemplate() == null
                    ? 0
                    : SandboxSpec.containerConcurrency(
                        new V1Pod().metadata(d.getSpec().getTemplate().getMetadata())))
        .orElse(0);
  }

  /** The ready sandboxes {@code slice} lists, each with container concurrency {@code cc}. */
  static Set<SandboxEndpoint> endpoints(V1EndpointSlice slice, int cc) {
    Integer port = port(slice);
    if (port == null || slice.getEndpoints() == null || !"IPv4".equals(slice.getAddressType())) {
      return Set.of();
    }
    Set<SandboxEndpoint> ready = new HashSet<>();
    for (V1Endpoint e : slice.getEndpoints()) {
      boolean isReady =
          e.getConditions() == null || !Boolean.FALSE.equals(e.getConditions().getReady());
      boolean terminating =
          e.getConditions() != null && Boolean.TRUE.equals(e.getConditions().getTerminating());
      if (!isReady || terminating || e.getAddresses() == null || e.getAddresses().isEmpty()) {
        continue;
      }
      String ip = e.getAddresses().get(0);
      V1ObjectReference ref = e.getTargetRef();
      String pod =
          ref != null && "Pod".equals(ref.getKind()) && ref.getName() != null
              ? slice.getMetadata().getNamespace() + "/" + ref.getName()
              : ip;
      try {
        ready.add(new SandboxEndpoint(pod, LoopbackPodNetwork.hostFor(ip), port, cc));
      } catch (IllegalArgumentException ex) {
        log.warn(
            "endpoint {} of {} is not reachable here: {}",
            ip,
            slice.getMetadata().getName(),
            ex.getMessage());
      }
    }
    return ready;
  }

  /** The slice's port named {@code http}, or its only port; null if none. */
  private static Integer port(V1EndpointSlice slice) {
    List<DiscoveryV1EndpointPort> ports = slice.getPorts();
    if (ports == null || ports.isEmpty()) {
      return null;
    }
    return ports.stream()
        .filter(p -> HttpSandboxRuntime.HTTP_PORT_NAME.equals(p.getName()))
        .findFirst()
        .orElse(ports.size() == 1 ? ports.get(0) : new DiscoveryV1EndpointPort())
        .getPort();
  }

  private static List<String> indexKeys(V1ObjectMeta meta) {
    RevisionKey k = FunctionAutoscaling.functionOf(meta);
    return k == null ? List.of() : List.of(k.toString());
  }
}
