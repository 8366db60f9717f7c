package io.kubedirect.runtime.informer;

import io.kubedirect.runtime.store.EphemeralStore;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.function.BiConsumer;

/**
 * A {@link SharedInformerFactory} whose informers for the kinds a stage receives see the union of API
 * objects and ephemeral objects ({@link UnionListerWatcher}); informers for the kinds it emits feed the
 * engine with what is persisted; other kinds are untouched. Every overload funnels into
 * {@link #sharedIndexInformerFor(ListerWatcher, Class, long, BiConsumer)}, which is where the wrapping
 * happens.
 */
public class DirectSharedInformerFactory extends SharedInformerFactory {

  private final EphemeralStore store;
  private final InformerObjectFeed feed;
  private final Set<Class<?>> unionKinds;
  private final Set<Class<?>> feedKinds;

  /**
   * Creates the factory.
   *
   * @param apiClient the client; its read timeout must be 0
   * @param executor runs the informers
   * @param unionKinds kinds whose informers show API plus ephemeral objects
   * @param feedKinds further kinds whose informers only feed the engine
   */
  public DirectSharedInformerFactory(ApiClient apiClient, ExecutorService executor, EphemeralStore store,
      InformerObjectFeed feed, Set<Class<?>> unionKinds, Set<Class<?>> feedKinds) {
    super(apiClient, executor, false);
    this.store = store;
    this.feed = feed;
    this.unionKinds = Set.copyOf(unionKinds);
    this.feedKinds = Set.copyOf(feedKinds);
  }

  @Override
  public synchronized <T extends KubernetesObject, L extends KubernetesListObject> SharedIndexInformer<T>
      sharedIndexInformerFor(ListerWatcher<T, L> listerWatcher, Class<T> apiTypeClass, long resyncPeriodInMillis,
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
        lw = new UnionListerWatcher<>(apiTypeClass, listerWatcher, null, feed);
      }
    }
    return super.sharedIndexInformerFor(lw, apiTypeClass, resyncPeriodInMillis, exceptionHandler);
  }
}
