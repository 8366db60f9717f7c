package io.kubedirect.examples.faas.direct;

import io.kubedirect.api.DirectStage;
import io.kubedirect.examples.faas.common.PodIpAllocator;
import io.kubedirect.examples.faas.common.Pods;
import io.kubedirect.examples.faas.common.SandboxStatus;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.common.StageTimes;
import io.kubedirect.examples.faas.sandbox.SandboxRuntime;
import io.kubernetes.client.extended.controller.Controller;
import io.kubernetes.client.extended.controller.builder.ControllerBuilder;
import io.kubernetes.client.extended.controller.reconciler.Reconciler;
import io.kubernetes.client.extended.controller.reconciler.Request;
import io.kubernetes.client.extended.controller.reconciler.Result;
import io.kubernetes.client.extended.workqueue.DefaultRateLimitingQueue;
import io.kubernetes.client.extended.workqueue.RateLimitingQueue;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.ApiClient;
import io.kubedirect.api.DirectWriter;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1Preconditions;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Stands in for the kubelet of one or more nodes: for every active pod bound to one of its nodes it "starts a
 * sandbox" after a simulated delay (scheduled on an executor, never slept in a reconciler), then writes the
 * pod's status (phase Running, Ready/ContainersReady True, a unique 10.x pod IP, startTime). Terminating pods
 * are finalized (deleted with grace period 0), as a kubelet does once the containers are gone.
 */
@DirectStage(name = "sandbox-manager", upstream = "scheduler", receives = V1Pod.class, subscribers = "activator")
public final class SandboxManager implements SliceStage, Reconciler {

  private static final Logger log = LoggerFactory.getLogger(SandboxManager.class);

  private final ApiClient apiClient;
  private final CoreV1Api coreApi;
  private final Set<String> nodes;
  private final Duration minDelay;
  private final Duration maxDelay;
  private final int workers;
  private final int ipBlock;
  private final SandboxRuntime serving;
  private final DirectLinks links;
  private final PeerAddress listen;
  private KubeDirect kd;
  private DirectWriter<V1Pod> pods;

  private final Map<String, Sandbox> sandboxes = new ConcurrentHashMap<>();
  private PodIpAllocator ips;
  private volatile boolean ipsLearned;
  private ScheduledExecutorService timer;
  private RateLimitingQueue<Request> queue;
  private Lister<V1Pod> podLister;
  private LeaderRunner runner;
  private BooleanSupplier synced = () -> false;

  private SandboxManager(Builder b) {
    this.apiClient = b.apiClient;
    this.coreApi = new CoreV1Api(b.apiClient);
    this.nodes = Set.copyOf(b.nodes);
    this.minDelay = b.minDelay;
    this.maxDelay = b.maxDelay;
    this.workers = b.workers;
    this.ipBlock = b.ipBlock;
    this.serving = b.serving;
    this.links = b.links;
    this.listen = b.listen;
  }

  /** A builder for a sandbox manager talking to the API Server through {@code apiClient} (read timeout 0). */
  public static Builder builder(ApiClient apiClient) {
    return new Builder(apiClient);
  }

  /** The nodes this instance serves. */
  public Set<String> nodes() {
    return nodes;
  }

  @Override
  public synchronized void start() {
    if (runner != null) {
      return;
    }
    sandboxes.clear();
    ips = new PodIpAllocator(ipBlock);
    ipsLearned = false;
    timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sandbox-timer");
      t.setDaemon(true);
      return t;
    });
    queue = new DefaultRateLimitingQueue<>(Executors.newSingleThreadExecutor());
    kd = links.stage(DirectLinks.SANDBOX_MANAGER, SandboxManager.class, apiClient).instance(links.instanceAt(listen))
        .writeBack(V1Pod.class, io.kubedirect.api.WriteBackPolicy.EXPOSE_ON_RECEIPT).listen(listen).build();
    SharedInformerFactory factory = kd.informerFactory();
    pods = kd.writer(V1Pod.class);
    SharedIndexInformer<V1Pod> podInformer = factory.sharedIndexInformerFor(
        p -> coreApi.listPodForAllNamespaces()
            .resourceVersion(p.resourceVersion).watch(p.watch).timeoutSeconds(p.timeoutSeconds).buildCall(null),
        V1Pod.class, V1PodList.class);
    podLister = new Lister<>(podInformer.getIndexer());
    synced = podInformer::hasSynced;
    runner = LeaderRunner.start(kd, factory, buildController(factory, podInformer), "sandbox-manager", this);
    log.info("sandbox manager for {} started", nodes);
  }

  private Controller buildController(SharedInformerFactory factory, SharedIndexInformer<V1Pod> podInformer) {
    return ControllerBuilder.defaultBuilder(factory)
        .withWorkQueue(queue) // before watch(): the builder hands watches the queue current at that point
        .watch(q -> ControllerBuilder.controllerWatchBuilder(V1Pod.class, q)
            .withOnAddFilter(this::isMine)
            .withOnUpdateFilter((o, n) -> isMine(n))
            .withOnDeleteFilter((p, unknown) -> isMine(p))
            .withResyncPeriod(Duration.ZERO).build())
        .withReconciler(this)
        .withName("example-sandbox-manager")
        .withWorkerCount(workers)
        .withReadyFunc(podInformer::hasSynced)
        .build();
  }

  private boolean isMine(V1Pod pod) {
    String node = Pods.nodeName(pod);
    return node != null && nodes.contains(node);
  }

  @Override
  public synchronized void stop() {
    if (runner == null) {
      return;
    }
    runner.stop();
    kd.close();
    timer.shutdownNow();
    runner = null;
    sandboxes.clear();
    log.info("sandbox manager for {} stopped", nodes);
  }

  @Override
  public synchronized boolean isRunning() {
    return runner != null;
  }

  @Override
  public synchronized boolean hasSynced() {
    return runner != null && runner.synced(synced);
  }

  @Override
  public synchronized boolean isLeader() {
    return runner != null && runner.isLeader();
  }

  @Override
  public Result reconcile(Request request) {
    StageTimes.handled("sandbox-manager", request.getNamespace(), request.getName());
    String key = request.getNamespace() + "/" + request.getName();
    V1Pod pod = podLister.namespace(request.getNamespace()).get(request.getName());
    log.debug("reconcile {}: {}", key, pod == null ? "gone" : Pods.nodeName(pod));
    if (pod == null || !isMine(pod)) {
      stopSandbox(key);
      return new Result(false);
    }
    String uid = pod.getMetadata().getUid();
    if (pod.getMetadata().getDeletionTimestamp() != null) {
      stopSandbox(key);
      return new Result(!finalizeDeletion(pod));
    }
    if (SandboxStatus.isRunning(pod)) {
      ips.reserve(pod.getStatus().getPodIP()); // learned after a restart, or our own write coming back
      sandboxes.putIfAbsent(key, Sandbox.running(uid, pod.getStatus().getPodIP(), pod.getStatus().getStartTime()));
      return new Result(false);
    }
    Sandbox sandbox = sandboxes.get(key);
    if (sandbox == null || !sandbox.sameUid(uid)) {
      startSandbox(key, uid, request, pod);
      return new Result(false);
    }
    if (sandbox.ip == null) {
      return new Result(false); // still starting; the timer enqueues the pod again
    }
    try {
      V1Pod running = SandboxStatus.running(pod, sandbox.ip, sandbox.startTime, serving.address(key));
      pods.updateStatus(running).join();
      return new Result(false);
    } catch (CompletionException e) {
      log.warn("status of {} failed: {}", key, e.getCause().toString());
      return new Result(true);
    }
  }

  private void startSandbox(String key, String uid, Request request, V1Pod pod) {
    learnRunningIps();
    Sandbox starting = Sandbox.starting(uid);
    sandboxes.put(key, starting);
    long min = minDelay.toMillis();
    long delay = min + ThreadLocalRandom.current().nextLong(maxDelay.toMillis() - min + 1)
        + serving.coldStart(pod).toMillis();
    timer.schedule(() -> {
      try {
        sandboxes.computeIfPresent(key, (k, s) -> {
          if (s != starting) {
            return s;
          }
          String ip = ips.allocate();
          serving.start(k, pod, ip); // atomic with stopSandbox's remove: a deleted pod's sandbox is not started
          return Sandbox.running(uid, ip, OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS));
        });
        queue.add(request);
      } catch (RuntimeException e) {
        log.error("starting the sandbox of {} failed", key, e);
      }
    }, delay, TimeUnit.MILLISECONDS);
  }

  /**
   * Before the first allocation after a (re)start, reserves the IPs of the running pods on our nodes, so a
   * new sandbox never gets the address of a running pod whose reconcile has not come round yet.
   */
  private void learnRunningIps() {
    PodIpAllocator allocator = ips;
    synchronized (allocator) {
      if (!ipsLearned) {
        podLister.list().stream().filter(p -> isMine(p) && SandboxStatus.isRunning(p))
            .forEach(p -> allocator.reserve(p.getStatus().getPodIP()));
        ipsLearned = true;
      }
    }
  }

  private void stopSandbox(String key) {
    Sandbox s = sandboxes.remove(key);
    serving.stop(key);
    if (s != null && s.ip != null) {
      ips.release(s.ip);
    }
  }

  /** Deletes a terminating pod for good (grace period 0), as a kubelet does; true when done. */
  private boolean finalizeDeletion(V1Pod pod) {
    try {
      coreApi.deleteNamespacedPod(pod.getMetadata().getName(), pod.getMetadata().getNamespace())
          .gracePeriodSeconds(0)
          .body(new V1DeleteOptions().gracePeriodSeconds(0L)
              .preconditions(new V1Preconditions().uid(pod.getMetadata().getUid())))
          .execute();
      return true;
    } catch (ApiException e) {
      if (e.getCode() == 404 || e.getCode() == 409) {
        return true;
      }
      log.warn("final delete of {} failed: {}", pod.getMetadata().getName(), e.getCode());
      return false;
    }
  }

  /** One pod's sandbox: starting ({@code ip == null}) or running. A null uid: the pod was not persisted yet. */
  private record Sandbox(String uid, String ip, OffsetDateTime startTime) {
    boolean sameUid(String other) {
      return uid == null || other == null || uid.equals(other);
    }

    static Sandbox starting(String uid) {
      return new Sandbox(uid, null, null);
    }

    static Sandbox running(String uid, String ip, OffsetDateTime startTime) {
      return new Sandbox(uid, ip, startTime);
    }
  }

  /** Builder for {@link SandboxManager}; {@link #build()} validates. */
  public static final class Builder {
    private final ApiClient apiClient;
    private final Set<String> nodes = new LinkedHashSet<>();
    private Duration minDelay = Duration.ZERO;
    private Duration maxDelay = Duration.ofMillis(50);
    private int workers = 32;
    private int ipBlock;
    private SandboxRuntime serving = SandboxRuntime.NONE;
    private DirectLinks links;
    private PeerAddress listen;

    private Builder(ApiClient apiClient) {
      this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
    }

    /** Adds nodes this instance serves (at least one is required). */
    public Builder nodes(Iterable<String> names) {
      names.forEach(n -> nodes.add(Objects.requireNonNull(n, "node name")));
      return this;
    }

    /** Adds nodes this instance serves. */
    public Builder nodes(String... names) {
      return nodes(java.util.List.of(names));
    }

    /** Simulated sandbox start delay, uniform in [min, max] (default 0-50 ms). */
    public Builder startDelay(Duration min, Duration max) {
      this.minDelay = Objects.requireNonNull(min, "min");
      this.maxDelay = Objects.requireNonNull(max, "max");
      return this;
    }

    /** Listens at {@code listen} and serves the nodes {@code links} routes there (required). */
    public Builder links(DirectLinks links, PeerAddress listen) {
      this.links = Objects.requireNonNull(links, "links");
      this.listen = Objects.requireNonNull(listen, "listen");
      return nodes(links.nodesServedBy(listen));
    }

    /** Pod IPs come from {@code 10.<block>.0.0/16} (default 0); give every instance its own block. */
    public Builder podIpBlock(int block) {
      this.ipBlock = block;
      return this;
    }

    /** Runs the pods' sandboxes (default {@link SandboxRuntime#NONE}: Ready pods that serve nothing). */
    public Builder sandboxes(SandboxRuntime runtime) {
      this.serving = Objects.requireNonNull(runtime, "runtime");
      return this;
    }

    /** Reconcile workers (default 32: each blocks on one status write). */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** @throws IllegalStateException if no node is set, the delays are negative/inverted or workers < 1 */
    public SandboxManager build() {
      if (links == null) {
        throw new IllegalStateException("links(...) is required");
      }
      if (nodes.isEmpty()) {
        throw new IllegalStateException("a sandbox manager needs at least one node");
      }
      if (minDelay.isNegative() || maxDelay.compareTo(minDelay) < 0) {
        throw new IllegalStateException("need 0 <= minDelay <= maxDelay, got " + minDelay + ".." + maxDelay);
      }
      if (ipBlock < 0 || ipBlock > 255) {
        throw new IllegalStateException("podIpBlock must be 0..255");
      }
      if (workers < 1) {
        throw new IllegalStateException("workers must be >= 1");
      }
      return new SandboxManager(this);
    }
  }
}
