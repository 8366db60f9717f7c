package io.kubedirect.examples.faas.activator;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.runtime.KubeDirect;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.informer.cache.Indexer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * The direct {@link SandboxSource}: the activator is a kubedirect stage ({@value #STAGE}, upstream
 * {@code sandbox-manager}, receives pods) that subscribes to the sandbox managers' pods. Its pod informer
 * ({@code kd.informerFactory()}) shows the union of what the sandbox managers sent (a sandbox is routable as soon
 * as its manager reports it Ready, in parallel with the manager's write-back) and the API Server's pods.
 *
 * <p>A sandbox manager's pods stay in the activator's store when its link dies (the runtime keeps a publisher's
 * objects until its next handshake, and exposes no upstream link state), so the source withdraws them itself: a
 * pod counts only while {@code managerUp} says the sandbox manager of its node is up, or while the API Server
 * (a plain informer next to the union one) shows it Ready. Liveness is re-read every {@code recheck}.
 */
public final class DirectSandboxSource implements SandboxSource {

  /** The activator's stage name. */
  public static final String STAGE = "activator";

  private final Supplier<KubeDirect.Builder> runtime;
  private final ApiClient apiClient;
  private final Predicate<String> managerUp;
  private final Duration recheck;

  private KubeDirect kd;
  private ApiServerSandboxSource union;
  private SharedInformerFactory storedFactory;
  private SharedIndexInformer<V1Pod> storedPods;
  private Indexer<V1Pod> stored;
  private ScheduledExecutorService rechecker;

  /**
   * A source whose runtime {@code runtime} configures (API client, transport, listen address, meters; the stage
   * declaration is added here), reading the API copies through {@code apiClient}, with {@code managerUp} telling
   * whether the sandbox manager serving a node is up.
   */
  public DirectSandboxSource(Supplier<KubeDirect.Builder> runtime, ApiClient apiClient, Predicate<String> managerUp,
      Duration recheck) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
    this.managerUp = Objects.requireNonNull(managerUp, "managerUp");
    this.recheck = Objects.requireNonNull(recheck, "recheck");
  }

  /** The activator's stage: a subscriber of the sandbox managers' pods. */
  public static StageDeclaration declaration() {
    return StageDeclaration.builder(STAGE).upstream("sandbox-manager").receives(V1Pod.class).build();
  }

  @Override
  public synchronized void start(Listener listener) {
    if (kd != null) {
      throw new IllegalStateException("already started");
    }
    CoreV1Api core = new CoreV1Api(apiClient);
    storedFactory = new SharedInformerFactory(apiClient);
    storedPods = storedFactory.sharedIndexInformerFor(
        p -> core.listPodForAllNamespaces().labelSelector(FaasConventions.FUNCTION_LABEL)
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Pod.class, V1PodList.class);
    stored = storedPods.getIndexer();
    KubeDirect k = runtime.get().stage(declaration()).build();
    kd = k;
    union = ApiServerSandboxSource.builder(apiClient).informerFactory(k::informerFactory, k::start)
        .routable(this::routable).build();
    union.start(listener);
    storedFactory.startAllRegisteredInformers();
    rechecker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "activator-readiness-recheck");
      t.setDaemon(true);
      return t;
    });
    ApiServerSandboxSource u = union;
    rechecker.scheduleWithFixedDelay(u::recheckAll, recheck.toMillis(), recheck.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Routable: its sandbox manager is up, or the API Server shows the pod Ready. */
  private boolean routable(V1Pod pod) {
    String node = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (node != null && managerUp.test(node)) {
      return true;
    }
    Indexer<V1Pod> s = stored;
    V1Pod persisted = s == null ? null : s.getByKey(Pods.key(pod));
    return persisted != null && Pods.isActive(persisted) && Pods.isReady(persisted);
  }

  @Override
  public void stop() {
    KubeDirect k;
    ApiServerSandboxSource u;
    SharedInformerFactory f;
    ScheduledExecutorService r;
    synchronized (this) {
      k = kd;
      u = union;
      f = storedFactory;
      r = rechecker;
      kd = null;
      union = null;
      storedFactory = null;
      stored = null;
      storedPods = null;
      rechecker = null;
    }
    if (k == null) {
      return;
    }
    r.shutdownNow();
    u.stop();
    f.stopAllRegisteredInformers();
    k.close();
  }

  @Override
  public synchronized boolean hasSynced() {
    return union != null && union.hasSynced() && storedPods.hasSynced();
  }

  @Override
  public boolean knows(RevisionKey function) {
    ApiServerSandboxSource u;
    synchronized (this) {
      u = union;
    }
    return u == null || u.knows(function);
  }
}
