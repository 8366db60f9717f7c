package io.kubedirect.runtime.internal.informer;

import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.BiConsumer;

/**
 * A {@link SharedInformerFactory} whose informers for the kinds a stage receives see the union of
 * API objects and ephemeral objects ({@link UnionListerWatcher}); informers for the kinds it only
 * emits feed the engine with what is persisted and show the stage's own unpersisted objects
 * (read-your-own-writes); other kinds are untouched. Every overload funnels into {@link
 * #sharedIndexInformerFor(ListerWatcher, Class, long, BiConsumer)}, which is where the wrapping
 * happens.
 */
public class DirectSharedInformerFactory extends SharedInformerFactory {

  private final EphemeralStore store;
  private final InformerObjectFeed feed;
  private final Set<Class<?>> unionKinds;
  private final Set<Class<?>> feedKinds;
  private final EphemeralStore emittedView;
  private final Future<?> emittedGate;

  /**
   * Creates the factory.
   *
   * @param apiClient the client; its read timeout must be 0
   * @param executor runs the informers
   * @param unionKinds kinds whose informers show API plus ephemeral objects
   * @param feedKinds further kinds whose informers only feed the engine
   */
  public DirectSharedInformerFactory(
      ApiClient apiClient,
      ExecutorService executor,
      EphemeralStore store,
      InformerObjectFeed feed,
      Set<Class<?>> unionKinds,
      Set<Class<?>> feedKinds) {
    this(apiClient, executor, store, feed, unionKinds, feedKinds, null, null);
  }

  /**
   * Creates the factory; informers of {@code feedKinds} also show the stage's own unpersisted
   * objects.
   *
   * @param emittedView the stage's own emitted, unpersisted objects (shown for {@code feedKinds}),
   *     or null
   * @param emittedGate the first list of a {@code feedKinds} informer waits for it (the engine's
   *     {@code recovered()}), or null
   */
  public DirectSharedInformerFactory(
      ApiClient apiClient,
      ExecutorService executor,
      EphemeralStore store,
      InformerObjectFeed feed,
      Set<Class<?>> unionKinds,
      Set<Class<?>> feedKinds,
      EphemeralStore emittedView,
      Future<?> emittedGate) {
    super(apiClient, executor, false);
    this.store = store;
    this.feed = feed;
    this.unionKinds = Set.copyOf(unionKinds);
    this.feedKinds = Set.copyOf(feedKinds);
    this.emittedView = emittedView;
    this.emittedGate = emittedGate;
  }

  @Override
  public synchronized <T extends KubernetesObject, L extends KubernetesListObject>
      SharedIndexInformer<T> sharedIndexInformerFor(
          ListerWatcher<T, L> listerWatcher,
          Class<T> apiTypeClass,
          long resyncPeriodInMillis,
          BiConsumer<Class<T>, Throwable> exceptionHandler) {
    SharedIndexInformer<T> existing = getExistingSharedIndexInformer(apiTypeClass);
    if (existing != null) {
      return existing;
    }
    ListerWatcher<T, L> lw = listerWatcher;
    if (!(lw instanceof UnionListerWatcher)) {
      if (unionKinds.contains(apiTypeClass)) {
        lw = new UnionListerWatcher<>(apiTypeClass, listerWatcher, store, feed);
      } else if (feedKinds.contains(apiTypeClass)) {
        lw = new UnionListerWatcher<>(apiTypeClass, listerWatcher, emittedView, feed, emittedGate);
      }
    }
    return super.sharedIndexInformerFor(lw, apiTypeClass, resyncPeriodInMillis, exceptionHandler);
  }
}
