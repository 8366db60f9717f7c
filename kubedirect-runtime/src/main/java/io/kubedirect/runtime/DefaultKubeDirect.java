package io.kubedirect.runtime;

import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.client.ClientJavaObjectApi;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.internal.codec.CodecWarmUp;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.ObjectCodec;
import io.kubedirect.runtime.internal.engine.EngineLimits;
import io.kubedirect.runtime.internal.engine.StageEngine;
import io.kubedirect.runtime.internal.informer.DirectSharedInformerFactory;
import io.kubedirect.runtime.internal.informer.InformerObjectFeed;
import io.kubedirect.runtime.internal.leader.LinkLeaseLock;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.extended.leaderelection.LeaderElectionConfig;
import io.kubernetes.client.extended.leaderelection.LeaderElector;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link KubeDirect}: a {@link StageEngine} wired to client-java ({@link ClientJavaObjectApi}
 * as the persisted store, informers as the persisted feed, an executor as the scheduler). With a
 * {@link LeaderElection}, client-java's {@link LeaderElector} on a {@link LinkLeaseLock} decides
 * when the engine starts (on taking the Lease) and stops (on losing it).
 */
final class DefaultKubeDirect implements KubeDirect {

  private static final Logger log = LoggerFactory.getLogger(DefaultKubeDirect.class);

  private final StageDeclaration stage;
  private final ExecutorServiceTaskScheduler scheduler;
  private final ClientJavaObjectApi api;
  private final io.kubernetes.client.openapi.ApiClient apiClient;
  private final StageEngine engine;
  private final DirectSharedInformerFactory factory;
  private final ExecutorService informerExecutor;
  private final ExecutorService writeBackExecutor;
  private final Map<Class<?>, DirectWriter<?>> writers = new ConcurrentHashMap<>();
  private final Set<Class<? extends KubernetesObject>> managedKinds = new HashSet<>();
  private final io.kubedirect.transport.Transport transport;
  private final io.kubedirect.api.discovery.PeerDiscovery discovery;
  private final LeaderElection election;
  private final LinkLeaseLock lock;
  private final LeaderElector elector;
  private final PeerAddress listen;
  private final MeterRegistry meterRegistry;
  private final CompletableFuture<Void> acquired = new CompletableFuture<>();
  private final CompletableFuture<Void> lost = new CompletableFuture<>();
  private Gauge leaderGauge;
  private Thread electorThread;
  private volatile boolean leader;
  private boolean engineStarted;
  private boolean started;
  private boolean closed;

  DefaultKubeDirect(KubeDirect.Builder b) {
    this.stage = b.stage;
    this.transport = b.transport;
    this.discovery = b.discovery;
    this.election = b.leaderElection;
    this.listen = b.listen;
    this.meterRegistry = b.meterRegistry;
    this.scheduler =
        new ExecutorServiceTaskScheduler("kubedirect-" + stage.name(), b.workerThreads);
    this.apiClient = b.apiClient;
    this.api = new ClientJavaObjectApi(b.apiClient);
    InformerObjectFeed feed = new InformerObjectFeed();
    this.writeBackExecutor = writeBackExecutor(stage.name(), b.writeBackConcurrency);
    StageEngine.Builder eb =
        StageEngine.builder()
            .stage(stage)
            .scheduler(scheduler)
            .persistedApi(api)
            .persistedFeed(feed)
            .writeBackExecutor(writeBackExecutor)
            .limits(
                EngineLimits.defaults()
                    .withFallbackAfter(b.fallbackAfter)
                    .withAckTimeout(b.ackTimeout)
                    .withRequireVerifiedPeers(b.requireVerifiedPeers))
            .meterRegistry(b.meterRegistry)
            .requireManagedLabel(b.requireManagedLabel)
            .instance(b.instance);
    if (b.transport != null) {
      eb.transport(b.transport);
    }
    if (b.listen != null) {
      eb.listen(b.listen);
    }
    if (b.discovery != null) {
      eb.discovery(b.discovery);
    }
    b.writeBack.forEach(
        (type, policy) -> eb.writeBack(Kinds.of(type.asSubclass(KubernetesObject.class)), policy));
    b.strategies.forEach(
        (type, s) -> eb.kind(Kinds.of(type.asSubclass(KubernetesObject.class)), s));
    this.engine = eb.build();
    managedKinds.addAll(stage.receivedKinds());
    managedKinds.addAll(stage.emittedKinds());
    Set<Class<?>> feedOnly = new HashSet<>(stage.emittedKinds());
    feedOnly.removeAll(stage.receivedKinds());
    this.informerExecutor =
        Executors.newCachedThreadPool(
            r -> {
              Thread t = new Thread(r, "kubedirect-informer-" + stage.name());
              t.setDaemon(true);
              return t;
            });
    this.factory =
        new DirectSharedInformerFactory(
            b.apiClient,
            informerExecutor,
            engine.store(),
            feed,
            new HashSet<>(stage.receivedKinds()),
            feedOnly,
            engine.emittedView(),
            engine.recovered());
    if (election != null) {
      this.lock =
          new LinkLeaseLock(
              b.apiClient,
              election.namespace(),
              election.name(),
              election.identity(),
              stage.name(),
              this::advertisedAddress,
              this::otherHolder);
      this.elector =
          new LeaderElector(
              new LeaderElectionConfig(
                  lock, election.leaseDuration(), election.renewDeadline(), election.retryPeriod()),
              t ->
                  log.warn(
                      "stage {}: leader election on lease {}: {}",
                      stage.name(),
                      lock.describe(),
                      t.toString()));
      if (!stage.upstreams().isEmpty() && election.advertise().isEmpty() && isWildcard(listen)) {
        log.warn(
            "stage {} listens on {} and advertises no address in lease {}: upstreams that find the leader "
                + "through the Lease cannot reach it (LeaderElection.advertise)",
            stage.name(),
            listen,
            lock.describe());
      }
    } else {
      this.lock = null;
      this.elector = null;
    }
  }

  /**
   * {@code threads} daemon threads for the write-back's blocking API calls; idle threads end after
   * a minute, so a quiet stage holds none.
   */
  static ThreadPoolExecutor writeBackExecutor(String stage, int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            threads,
            threads,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(),
            r -> {
              Thread t = new Thread(r, "kubedirect-" + stage + "-writeback-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** The engine (for metrics and tests). */
  StageEngine engine() {
    return engine;
  }

  @Override
  public SharedInformerFactory informerFactory() {
    return factory;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends KubernetesObject> DirectWriter<T> writer(Class<T> type) {
    return (DirectWriter<T>)
        writers.computeIfAbsent(
            type, t -> new DefaultDirectWriter<>(type, Kinds.of(type), engine, this::refusal));
  }

  /**
   * Starts the engine and registers an informer for every received or emitted kind that the
   * controller has not registered yet (the engine needs them to see what is persisted). Call before
   * starting the informers. With leader election: starts campaigning; the engine starts once this
   * replica leads.
   */
  @Override
  public void start() {
    synchronized (this) {
      if (started || closed) {
        return;
      }
      started = true;
      if (election == null) {
        startEngine();
        leader = true;
      } else {
        if (meterRegistry != null) {
          leaderGauge =
              Gauge.builder("kubedirect.leader", this, kd -> kd.leader ? 1 : 0)
                  .description(
                      "1 while this replica holds its stage's Lease and runs the stage, else 0")
                  .tag("stage", stage.name())
                  .register(meterRegistry);
        }
        electorThread = new Thread(this::campaign, "kubedirect-leader-election-" + stage.name());
        electorThread.setDaemon(true);
        electorThread.start();
        log.info(
            "kubedirect stage {} campaigning for lease {} as {}",
            stage.name(),
            lock.describe(),
            election.identity());
        return;
      }
    }
    acquired.complete(null);
  }

  /** Guarded by this. */
  private void startEngine() {
    engineStarted = true;
    engine.start();
    List<String> kinds = new ArrayList<>();
    managedKinds.forEach(t -> kinds.add(Kinds.of(t)));
    stage.publishedKinds().forEach(t -> kinds.add(Kinds.of(t)));
    informerExecutor.execute(
        () ->
            CodecWarmUp.run(
                ObjectCodec.create(),
                apiClient.getJSON(),
                List.copyOf(new java.util.LinkedHashSet<>(kinds))));
    for (Class<? extends KubernetesObject> type : managedKinds) {
      if (factory.getExistingSharedIndexInformer(type) == null) {
        registerInformer(type);
      }
    }
    log.info("kubedirect stage {} started", stage);
  }

  /** The elector's thread: campaigns, leads until the Lease is lost, then returns. */
  private void campaign() {
    try {
      elector.run(
          this::startedLeading,
          this::stoppedLeading,
          holder ->
              log.info("stage {}: lease {} is held by {}", stage.name(), lock.describe(), holder));
    } catch (RuntimeException e) {
      log.warn("stage {}: leader election ended: {}", stage.name(), e.toString());
      stoppedLeading();
    }
  }

  /**
   * The elector took the Lease: start the engine, advertise the address, then let the controller
   * start.
   */
  private void startedLeading() {
    long t0 = System.nanoTime();
    synchronized (this) {
      if (closed || lost.isDone()) {
        return;
      }
      startEngine();
      leader = true;
    }
    lock.publish();
    log.info(
        "stage {}: {} leads (lease {}); engine started in {} ms",
        stage.name(),
        election.identity(),
        lock.describe(),
        (System.nanoTime() - t0) / 1_000_000);
    acquired.complete(null);
  }

  /**
   * The elector could not renew within the renew deadline (or was stopped), or a read showed
   * another holder: stop the engine at once, so no link or write-back of this replica outlives its
   * leadership. Idempotent.
   */
  private void stoppedLeading() {
    synchronized (this) {
      if (!leader) {
        return;
      }
      leader = false;
      if (closed) {
        return; // close() stops the engine itself, and the controller already knows
      }
      engine.close();
      if (transport != null) {
        transport.close();
      }
      lock.disable();
    }
    log.warn(
        "stage {}: {} lost lease {}; engine stopped",
        stage.name(),
        election.identity(),
        lock.describe());
    lost.complete(null);
  }

  /**
   * A read of the Lease shows {@code holder}: if this replica believed it leads, it lost the Lease.
   */
  private void otherHolder(String holder) {
    if (leader) {
      log.warn("stage {}: lease {} is now held by {}", stage.name(), lock.describe(), holder);
      stoppedLeading();
    }
  }

  /**
   * What the Lease advertises while this replica leads: the configured address, else a concrete
   * listen address.
   */
  private Optional<PeerAddress> advertisedAddress() {
    if (election.advertise().isPresent()) {
      return election.advertise();
    }
    if (listen == null || isWildcard(listen)) {
      return Optional.empty();
    }
    synchronized (this) {
      if (!engineStarted || closed) {
        return Optional.empty();
      }
    }
    return engine.localAddress().map(bound -> new PeerAddress(listen.host(), bound.port()));
  }

  private static boolean isWildcard(PeerAddress a) {
    return a != null
        && (a.host().equals("0.0.0.0") || a.host().equals("::") || a.host().equals("[::]"));
  }

  /**
   * Why a write cannot be made now: a replica that does not lead writes nothing. Null while
   * leading.
   */
  private RuntimeException refusal() {
    if (election == null || leader) {
      return null;
    }
    return new WriteException(
        WriteResult.Status.FAILED,
        "stage "
            + stage.name()
            + ": replica "
            + election.identity()
            + " does not lead (lease "
            + lock.describe()
            + "); run the controller from "
            + "leadershipAcquired()");
  }

  @Override
  public boolean isLeader() {
    return leader;
  }

  @Override
  public CompletableFuture<Void> leadershipAcquired() {
    return acquired.copy();
  }

  @Override
  public CompletableFuture<Void> leadershipLost() {
    return lost.copy();
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void registerInformer(Class<? extends KubernetesObject> type) {
    factory.sharedIndexInformerFor(
        (io.kubernetes.client.util.generic.GenericKubernetesApi) api.apiFor(Kinds.of(type)),
        (Class) type,
        0L);
  }

  /**
   * Stops in dependency order: first the informers of {@link #informerFactory()} (they feed the
   * engine; a no-op for those the controller already stopped, e.g. through {@code
   * ControllerManager.shutdown()}), the way client-java stops them ({@code
   * stopAllRegisteredInformers(true)}: each informer stops its threads, then the informer executor
   * is shut down without interrupting anything), then the engine, the transport and the scheduler.
   * Stop the controllers (their workers) before calling this.
   */
  @Override
  public void close() {
    Thread campaigner;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      leader = false;
      campaigner = electorThread;
      factory.stopAllRegisteredInformers(true);
      engine.close();
      if (transport != null) {
        transport.close();
      }
      if (discovery != null) {
        discovery.close(); // the engine started it
      }
      scheduler.close();
      writeBackExecutor.shutdownNow();
      informerExecutor.shutdown();
      if (leaderGauge != null) {
        meterRegistry.remove(leaderGauge);
      }
    }
    if (elector != null) {
      if (campaigner != null) {
        campaigner.interrupt(); // the elector's acquire loop waits on this thread
      }
      lock.disable(); // no renewal from here on (waits for one in progress)
      elector.close(); // stops its threads; its own release attempt fails on the disabled lock
      if (election.releaseOnClose()) {
        lock.release(); // else the Lease expires, as after a crash
      }
    }
  }

  @Override
  public Optional<PeerAddress> localAddress() {
    return engine.localAddress();
  }

  @Override
  public StageDeclaration stage() {
    return stage;
  }

  /** Unused list type marker to keep the generic signature readable. */
  @SuppressWarnings("unused")
  private interface AnyList extends KubernetesListObject {}
}
