package io.kubedirect.runtime.internal.informer;

import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.EventType;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.io.IOException;
import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ListerWatcher} that shows an informer the union of the API Server's objects of one kind
 * and the ephemeral objects received over direct links. The API copy wins as the engine decides it:
 * every API object is first published to the engine, which drops the ephemeral copies that object
 * supersedes ({@link ObjectSupport#supersedes}); an ephemeral copy the engine still holds
 * afterwards (an update it is writing back and the API copy does not carry yet, a publisher's copy)
 * is shown instead of the API copy, and when the engine drops it the informer gets an update to the
 * API copy. A retracted or deleted ephemeral object yields a delete event. Every API object listed
 * or watched is published to the {@link InformerObjectFeed} (before the informer sees it), which is
 * how the engine learns what is persisted.
 *
 * <p>With a null store it only publishes to the feed. For kinds a stage emits but does not receive,
 * the store is the engine's emitted view (the stage's own unpersisted objects), and the first list
 * can wait for a gate (the engine's {@code recovered()}).
 *
 * @param <T> the model class
 * @param <L> its list class
 */
public final class UnionListerWatcher<T extends KubernetesObject, L extends KubernetesListObject>
    implements ListerWatcher<T, L> {

  private static final Logger log = LoggerFactory.getLogger(UnionListerWatcher.class);

  private final String kind;
  private final Class<T> type;
  private final ListerWatcher<T, L> api;
  private final EphemeralStore store;
  private final InformerObjectFeed feed;
  private final Map<String, T> apiObjects = new ConcurrentHashMap<>();

  /**
   * Keys whose API copy the informer was not shown because the engine still holds an ephemeral copy
   * that it did not let the API copy supersede (e.g. a received update the stage is writing back):
   * when that copy goes as persisted, the informer is shown the API copy.
   */
  private final Set<String> shadowed = ConcurrentHashMap.newKeySet();

  /**
   * Events not yet taken by the informer, bounded: a consumer that falls this far behind gets a 410
   * Gone instead of more events, and its reflector relists (as the API Server does with a too slow
   * watcher).
   */
  private final BlockingQueue<Watch.Response<T>> events;

  private final AtomicLong overflows = new AtomicLong();

  /**
   * Set on overflow until the next list: events are dropped meanwhile, the relist replaces them.
   */
  private volatile boolean overflowed;

  /** Default bound of the event queue. */
  public static final int DEFAULT_MAX_QUEUED_EVENTS = 100_000;

  private volatile String apiResourceVersion = "";
  private final Future<?> listGate;

  /**
   * Upper bound of the wait for {@code listGate} (the gate bounds itself; this guards against a
   * bug).
   */
  static final Duration LIST_GATE_LIMIT = Duration.ofSeconds(60);

  /**
   * Wraps {@code api}.
   *
   * @param store the ephemeral objects to merge in, or null to only feed
   */
  public UnionListerWatcher(
      Class<T> type, ListerWatcher<T, L> api, EphemeralStore store, InformerObjectFeed feed) {
    this(type, api, store, feed, null);
  }

  /**
   * Wraps {@code api}; the first {@link #list} waits until {@code listGate} is done (used for a
   * stage's own emitted objects: the engine's {@code recovered()}, so that a restarted head stage's
   * informer syncs only once it shows what the downstreams still hold).
   *
   * @param store the ephemeral objects to merge in, or null to only feed
   * @param listGate completes when the store is worth listing, or null
   */
  public UnionListerWatcher(
      Class<T> type,
      ListerWatcher<T, L> api,
      EphemeralStore store,
      InformerObjectFeed feed,
      Future<?> listGate) {
    this(type, api, store, feed, listGate, DEFAULT_MAX_QUEUED_EVENTS);
  }

  /** As above, with at most {@code maxQueuedEvents} events waiting for the informer. */
  UnionListerWatcher(
      Class<T> type,
      ListerWatcher<T, L> api,
      EphemeralStore store,
      InformerObjectFeed feed,
      Future<?> listGate,
      int maxQueuedEvents) {
    this.events = new LinkedBlockingQueue<>(maxQueuedEvents);
    this.listGate = listGate;
    this.type = Objects.requireNonNull(type, "type");
    this.kind = Kinds.of(type);
    this.api = Objects.requireNonNull(api, "api");
    this.store = store;
    this.feed = Objects.requireNonNull(feed, "feed");
    if (store != null) {
      store.addListener(new StoreListener());
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public L list(CallGeneratorParams params) throws ApiException {
    awaitGate();
    L list = api.list(params);
    if (list.getMetadata() != null && list.getMetadata().getResourceVersion() != null) {
      apiResourceVersion = list.getMetadata().getResourceVersion();
    }
    events.clear(); // superseded by this list
    shadowed.clear();
    overflowed = false;
    Set<String> seen = new HashSet<>();
    List<KubernetesObject> items = (List<KubernetesObject>) list.getItems();
    for (KubernetesObject o : items) {
      String key = key(o);
      seen.add(key);
      apiObjects.put(key, (T) o);
      feed.publishPersisted(kind, o);
    }
    for (Iterator<Map.Entry<String, T>> it = apiObjects.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, T> e = it.next();
      if (!seen.contains(e.getKey())) {
        it.remove();
        feed.publishDeleted(kind, e.getValue());
      }
    }
    feed.observeRevision(kind, apiResourceVersion);
    if (store != null) {
      for (EphemeralEntry e : store.entries(kind)) {
        if (!type.isInstance(e.object())) {
          continue;
        }
        T persisted = apiObjects.get(e.key());
        if (persisted == null) {
          items.add(e.object());
        } else {
          // Still held after the engine saw the listed copy: the engine did not let that copy
          // supersede it.
          items.set(items.indexOf(persisted), e.object());
          shadowed.add(e.key());
        }
      }
    }
    return list;
  }

  private void awaitGate() {
    if (listGate == null || listGate.isDone()) {
      return;
    }
    try {
      listGate.get(LIST_GATE_LIMIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.warn("listing {} without waiting for the downstream snapshots: {}", kind, e.toString());
    }
  }

  @Override
  public Watchable<T> watch(CallGeneratorParams params) throws ApiException {
    CallGeneratorParams p =
        new CallGeneratorParams(params.watch, apiResourceVersion, params.timeoutSeconds);
    Watchable<T> w = api.watch(p);
    return new UnionWatch(w);
  }

  /**
   * Queues an event for the informer without ever blocking (store listeners run under the engine's
   * lock). On overflow the backlog is dropped and replaced by a 410 Gone error: the reflector
   * relists, and the list is the union's current state, so nothing is lost but the intermediate
   * events.
   */
  private void enqueue(Watch.Response<T> r) {
    if (overflowed) {
      return; // the informer relists: the list carries the current state
    }
    if (events.offer(r)) {
      return;
    }
    synchronized (events) {
      if (overflowed || events.offer(r)) {
        return;
      }
      overflowed = true;
      events.clear();
      long n = overflows.incrementAndGet();
      log.warn(
          "informer of {} is more than {} events behind: dropping them and asking it to relist ({} so far)",
          kind,
          events.remainingCapacity(),
          n);
      events.offer(
          new Watch.Response<>(
              EventType.ERROR.name(),
              new V1Status()
                  .code(410)
                  .reason("Expired")
                  .message("kubedirect: informer event queue overflowed")));
    }
  }

  /** How often the event queue overflowed (the informer was told to relist). */
  public long overflows() {
    return overflows.get();
  }

  /** The number of API objects this wrapper has seen (for tests). */
  public int apiObjectCount() {
    return apiObjects.size();
  }

  private static String key(KubernetesObject o) {
    V1ObjectMeta m = o.getMetadata();
    return Kinds.key(m.getNamespace(), m.getName());
  }

  @SuppressWarnings("unchecked")
  private void apiEvent(Watch.Response<T> r) {
    Watch.Response<T> shown = r;
    if (r.object != null && r.type != null) {
      String rv =
          r.object.getMetadata() == null || "ERROR".equals(r.type)
              ? null
              : r.object.getMetadata().getResourceVersion();
      if (rv != null) {
        apiResourceVersion =
            rv; // before publishing: events the engine's reaction enqueues may end a watch
      }
      switch (r.type) {
        case "ADDED", "MODIFIED" -> {
          String key = key(r.object);
          apiObjects.put(key, r.object);
          feed.publishPersisted(kind, r.object);
          EphemeralEntry held = store == null ? null : store.get(kind, key).orElse(null);
          if (held != null && type.isInstance(held.object())) {
            // The engine kept its ephemeral copy over this API copy (it is not carried yet): the
            // informer keeps
            // seeing the ephemeral copy, never the older state (e.g. a stale or unrelated API
            // event).
            shadowed.add(key);
            shown = new Watch.Response<>(EventType.MODIFIED.name(), (T) held.object());
          }
        }
        case "DELETED" -> {
          shadowed.remove(key(r.object));
          apiObjects.remove(key(r.object));
          feed.publishDeleted(kind, r.object);
        }
        default -> {}
      }
      if (rv != null) {
        feed.observeRevision(kind, rv); // after publishing (bookmarks included)
      }
    }
    enqueue(shown);
  }

  private final class StoreListener implements EphemeralStore.Listener {
    @Override
    @SuppressWarnings("unchecked")
    public void onUpsert(EphemeralEntry entry, EphemeralEntry previous) {
      if (!entry.kind().equals(kind) || !type.isInstance(entry.object())) {
        return;
      }
      // The engine holds only copies the API copy does not supersede (it checks on receipt, and
      // drops what a later
      // API copy supersedes), by its rules per copy: shown, over an API copy too.
      T persisted = apiObjects.get(entry.key());
      if (persisted != null) {
        shadowed.add(entry.key());
      }
      enqueue(
          new Watch.Response<>(
              previous == null && persisted == null
                  ? EventType.ADDED.name()
                  : EventType.MODIFIED.name(),
              (T) entry.object()));
    }

    @Override
    @SuppressWarnings("unchecked")
    public void onRemove(EphemeralEntry entry, RemovalReason reason) {
      if (!entry.kind().equals(kind) || !type.isInstance(entry.object())) {
        return;
      }
      boolean wasShadowing = shadowed.remove(entry.key());
      if (reason == RemovalReason.PERSISTED) {
        T persisted = wasShadowing ? apiObjects.get(entry.key()) : null;
        if (persisted != null) {
          enqueue(
              new Watch.Response<>(
                  EventType.MODIFIED.name(), persisted)); // the copy it kept from view
        }
        return;
      }
      T persisted = apiObjects.get(entry.key());
      if (persisted != null) {
        enqueue(new Watch.Response<>(EventType.MODIFIED.name(), persisted));
      } else {
        enqueue(new Watch.Response<>(EventType.DELETED.name(), (T) entry.object()));
      }
    }
  }

  /** Merges the API watch (pumped on a daemon thread) with the ephemeral events. */
  private final class UnionWatch implements Watchable<T> {
    private final Watchable<T> apiWatch;
    private final Thread pump;
    private volatile boolean apiDone;
    private volatile boolean closed;
    private Watch.Response<T> next;

    UnionWatch(Watchable<T> apiWatch) {
      this.apiWatch = apiWatch;
      this.pump = new Thread(this::pump, "kubedirect-watch-" + kind);
      pump.setDaemon(true);
      pump.start();
    }

    private void pump() {
      try {
        while (!closed && apiWatch.hasNext()) {
          apiEvent(apiWatch.next());
        }
      } catch (RuntimeException e) {
        if (!closed) {
          log.debug("API watch of {} ended: {}", kind, e.toString());
        }
      } finally {
        apiDone = true;
      }
    }

    @Override
    public boolean hasNext() {
      if (next != null) {
        return true;
      }
      while (!closed) {
        try {
          next = events.poll(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
        if (next != null) {
          return true;
        }
        if (apiDone && events.isEmpty()) {
          return false;
        }
      }
      return false;
    }

    @Override
    public Watch.Response<T> next() {
      if (!hasNext()) {
        throw new java.util.NoSuchElementException();
      }
      Watch.Response<T> r = next;
      next = null;
      return r;
    }

    @Override
    public Iterator<Watch.Response<T>> iterator() {
      return this;
    }

    @Override
    public void close() throws IOException {
      closed = true;
      apiWatch.close();
    }
  }
}
