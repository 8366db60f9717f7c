package io.kubedirect.runtime;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.runtime.client.ClientJavaObjectApi;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.codec.Kinds;
import io.kubedirect.runtime.engine.EngineLimits;
import io.kubedirect.runtime.engine.StageEngine;
import io.kubedirect.runtime.informer.DirectSharedInformerFactory;
import io.kubedirect.runtime.informer.InformerObjectFeed;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedInformerFactory;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link KubeDirect}: a {@link StageEngine} wired to client-java ({@link ClientJavaObjectApi} as the
 * persisted store, informers as the persisted feed, an executor as the scheduler).
 */
public final class DefaultKubeDirect implements KubeDirect {

  private static final Logger log = LoggerFactory.getLogger(DefaultKubeDirect.class);

  private final StageDeclaration stage;
  private final ExecutorServiceTaskScheduler scheduler;
  private final ClientJavaObjectApi api;
  private final StageEngine engine;
  private final DirectSharedInformerFactory factory;
  private final ExecutorService informerExecutor;
  private final Map<Class<?>, DirectWriter<?>> writers = new ConcurrentHashMap<>();
  private final Set<Class<? extends KubernetesObject>> managedKinds = new HashSet<>();
  private final io.kubedirect.transport.Transport transport;
  private boolean started;
  private boolean closed;

  DefaultKubeDirect(KubeDirect.Builder b) {
    this.stage = b.stage;
    this.transport = b.transport;
    this.scheduler = new ExecutorServiceTaskScheduler("kubedirect-" + stage.name(), 4);
    this.api = new ClientJavaObjectApi(b.apiClient);
    InformerObjectFeed feed = new InformerObjectFeed();
    StageEngine.Builder eb = StageEngine.builder()
        .stage(stage)
        .scheduler(scheduler)
        .persistedApi(api)
        .persistedFeed(feed)
        .limits(EngineLimits.defaults().withFallbackAfter(b.fallbackAfter)
            .withRequireVerifiedPeers(b.requireVerifiedPeers))
        .meterRegistry(b.meterRegistry)
        .requireManagedLabel(b.requireManagedLabel);
    if (b.transport != null) {
      eb.transport(b.transport);
    }
    if (b.listen != null) {
      eb.listen(b.listen);
    }
    if (b.discovery != null) {
      eb.discovery(b.discovery);
    }
    b.writeBack.forEach((type, policy) -> eb.writeBack(Kinds.of(type.asSubclass(KubernetesObject.class)), policy));
    b.strategies.forEach((type, s) -> eb.kind(Kinds.of(type.asSubclass(KubernetesObject.class)), s));
    this.engine = eb.build();
    managedKinds.addAll(stage.receivedKinds());
    managedKinds.addAll(stage.emittedKinds());
    Set<Class<?>> feedOnly = new HashSet<>(stage.emittedKinds());
    feedOnly.removeAll(stage.receivedKinds());
    this.informerExecutor = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "kubedirect-informer-" + stage.name());
      t.setDaemon(true);
      return t;
    });
    this.factory = new DirectSharedInformerFactory(b.apiClient, informerExecutor, engine.store(), feed,
        new HashSet<>(stage.receivedKinds()), feedOnly, engine.emittedView(), engine.recovered());
  }

  /** The engine (for metrics and tests). */
  public StageEngine engine() {
    return engine;
  }

  @Override
  public SharedInformerFactory informerFactory() {
    return factory;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <T extends KubernetesObject> DirectWriter<T> writer(Class<T> type) {
    return (DirectWriter<T>) writers.computeIfAbsent(type,
        t -> new DefaultDirectWriter<>(type, Kinds.of(type), engine));
  }

  /**
   * Starts the engine and registers an informer for every received or emitted kind that the controller has
   * not registered yet (the engine needs them to see what is persisted). Call before starting the
   * informers.
   */
  @Override
  public synchronized void start() {
    if (started || closed) {
      return;
    }
    started = true;
    engine.start();
    for (Class<? extends KubernetesObject> type : managedKinds) {
      if (factory.getExistingSharedIndexInformer(type) == null) {
        registerInformer(type);
      }
    }
    log.info("kubedirect stage {} started", stage);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private void registerInformer(Class<? extends KubernetesObject> type) {
    factory.sharedIndexInformerFor((io.kubernetes.client.util.generic.GenericKubernetesApi) api.apiFor(Kinds.of(type)),
        (Class) type, 0L);
  }

  /**
   * Stops in dependency order: first the informers of {@link #informerFactory()} (they feed the engine; a
   * no-op for those the controller already stopped, e.g. through {@code ControllerManager.shutdown()}), the
   * way client-java stops them ({@code stopAllRegisteredInformers(true)}: each informer stops its threads, then
   * the informer executor is shut down without interrupting anything), then the engine, the transport and the
   * scheduler. Stop the controllers (their workers) before calling this.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    factory.stopAllRegisteredInformers(true);
    engine.close();
    if (transport != null) {
      transport.close();
    }
    scheduler.close();
    informerExecutor.shutdown();
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
