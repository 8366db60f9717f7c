package io.kubedirect.runtime.discovery;

import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Base of the informer-backed discoveries: keeps an immutable {@link RoutingTable} rebuilt from the
 * informer's cache on every event, and calls listeners when it changes. Owns its {@link
 * SharedInformerFactory} unless it was given a shared one (whose owner starts and stops it).
 */
abstract class InformerPeerDiscovery<T extends KubernetesObject> implements PeerDiscovery {

  private static final Logger LOG = LoggerFactory.getLogger(InformerPeerDiscovery.class);

  private final SharedInformerFactory ownedFactory;
  private final SharedIndexInformer<T> informer;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Object refreshLock = new Object();
  private volatile RoutingTable table = RoutingTable.EMPTY;

  /** Where the informer comes from; built and validated by the subclasses' builders. */
  record Source<T extends KubernetesObject, L extends KubernetesListObject>(
      SharedInformerFactory sharedFactory,
      ApiClient apiClient,
      ListerWatcher<T, L> listerWatcher) {}

  <L extends KubernetesListObject> InformerPeerDiscovery(Class<T> type, Source<T, L> source) {
    SharedIndexInformer<T> existing =
        source.sharedFactory() == null
            ? null
            : source.sharedFactory().getExistingSharedIndexInformer(type);
    if (existing != null) {
      this.ownedFactory = null;
      this.informer = existing;
    } else if (source.sharedFactory() != null) {
      this.ownedFactory = null;
      this.informer =
          source.sharedFactory().sharedIndexInformerFor(source.listerWatcher(), type, 0L);
    } else {
      ApiClient client =
          source.apiClient() != null ? source.apiClient() : new ApiClient().setReadTimeout(0);
      this.ownedFactory = new SharedInformerFactory(client);
      this.informer = ownedFactory.sharedIndexInformerFor(source.listerWatcher(), type, 0L);
    }
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(T obj) {
            refresh();
          }

          @Override
          public void onUpdate(T oldObj, T newObj) {
            refresh();
          }

          @Override
          public void onDelete(T obj, boolean deletedFinalStateUnknown) {
            refresh();
          }
        });
  }

  /** The routing table for the informer's current objects. */
  abstract RoutingTable compute(List<T> objects);

  /** Recomputes the table; notifies listeners if it changed. */
  final void refresh() {
    if (closed.get()) {
      return;
    }
    boolean changed;
    synchronized (refreshLock) {
      RoutingTable next = compute(informer.getIndexer().list());
      changed = !next.equals(table);
      if (changed) {
        table = next;
        LOG.debug("{} changed: {}", getClass().getSimpleName(), next);
      }
    }
    if (changed) {
      for (Runnable l : listeners) {
        try {
          l.run();
        } catch (RuntimeException e) {
          LOG.warn("discovery listener failed", e);
        }
      }
    }
  }

  @Override
  public Optional<PeerAddress> resolve(String stage, String routingKey) {
    return table.resolve(stage, routingKey);
  }

  @Override
  public Set<PeerAddress> addresses(String stage) {
    return table.addresses(stage);
  }

  @Override
  public void addListener(Runnable onChange) {
    listeners.add(Objects.requireNonNull(onChange, "onChange"));
  }

  /** Whether the informer has completed its first list. */
  public boolean hasSynced() {
    return informer.hasSynced();
  }

  /** Starts the owned informer (a shared factory is started by its owner). Idempotent. */
  @Override
  public void start() {
    if (closed.get()) {
      throw new IllegalStateException("closed");
    }
    if (ownedFactory != null && started.compareAndSet(false, true)) {
      ownedFactory.startAllRegisteredInformers();
    }
    refresh();
  }

  /** Stops the owned informer and ignores further events. Idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true) && ownedFactory != null && started.get()) {
      ownedFactory.stopAllRegisteredInformers(true);
    }
  }
}
