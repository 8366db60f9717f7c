package io.kubedirect.runtime.sim;

import io.kubedirect.api.WriteResult;
import io.kubedirect.api.WriteResult.Status;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubedirect.transport.TaskScheduler;
import io.kubedirect.transport.inmemory.DeliveryTrace;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Binding;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * An in-memory API Server for the simulation: a persisted store with resourceVersions,
 * AlreadyExists, CONFLICT on a stale resourceVersion, NOT_FOUND, and seeded injected failures
 * (RETRYABLE_FAILURE before or after the write took effect, CONFLICT). Watch events reach {@link
 * Feed}s through the scheduler, FIFO per feed, after a random delay. Every write is kept in {@link
 * #history()} for the invariant checks.
 *
 * <p>Like a real API Server, a create ignores {@code status} for kinds with a status subresource
 * (pods); {@link #updateStatus} changes only the status, {@link #update} everything but the status.
 */
final class SimulatedApiServer {

  /** One write as the API Server saw it. */
  record Write(
      long nanos,
      String writer,
      String op,
      String kind,
      String key,
      Status status,
      long rv,
      boolean applied) {
    @Override
    public String toString() {
      return nanos
          + " "
          + writer
          + " "
          + op
          + " "
          + key
          + " -> "
          + status
          + (applied ? " rv=" + rv : "");
    }
  }

  private final TaskScheduler scheduler;
  private final Random random;
  private final DeliveryTrace trace;
  private final Map<String, TreeMap<String, KubernetesObject>> objects = new TreeMap<>();
  private final List<Write> history = new ArrayList<>();
  private final List<Feed> feeds = new ArrayList<>();
  private long rv = 100;
  private double retryable;
  private double ambiguous;
  private double conflict;

  /** Creates that admission rejects for good (FAILED, like a 403 from a webhook); null: none. */
  private java.util.function.Predicate<KubernetesObject> rejectCreate;

  /**
   * Called after every applied create, with the stored object (the simulation's eviction fault).
   */
  private final List<Consumer<KubernetesObject>> createListeners = new ArrayList<>();

  SimulatedApiServer(TaskScheduler scheduler, Random random, DeliveryTrace trace) {
    this.scheduler = scheduler;
    this.random = random;
    this.trace = trace;
  }

  /**
   * Injects failures: each write fails RETRYABLE without effect with probability {@code retryable},
   * takes effect but answers RETRYABLE (a timeout after commit) with {@code ambiguous}, and a
   * precondition write answers CONFLICT with {@code conflict}.
   */
  synchronized void setFaults(double retryable, double ambiguous, double conflict) {
    this.retryable = retryable;
    this.ambiguous = ambiguous;
    this.conflict = conflict;
  }

  /**
   * Rejects every create {@code reject} matches with {@link Status#FAILED} (a permanent admission
   * denial, e.g. a 403 from a webhook for all pods of one owner); not cleared by {@link
   * #quiesce()}.
   */
  synchronized void rejectCreates(java.util.function.Predicate<KubernetesObject> reject) {
    this.rejectCreate = reject;
  }

  /**
   * Registers a callback run (under the server's lock) after every applied create, with the stored
   * copy.
   */
  synchronized void onCreate(Consumer<KubernetesObject> listener) {
    createListeners.add(listener);
  }

  /** Stops injecting failures. */
  synchronized void quiesce() {
    setFaults(0, 0, 0);
  }

  /** The client a stage uses: writes are recorded under {@code writer}. */
  PersistedObjectApi clientFor(String writer) {
    return new PersistedObjectApi() {
      @Override
      public WriteResult create(String kind, KubernetesObject object) {
        return SimulatedApiServer.this.create(writer, kind, object);
      }

      @Override
      public WriteResult update(String kind, KubernetesObject object) {
        return SimulatedApiServer.this.update(writer, kind, object, false);
      }

      @Override
      public WriteResult updateStatus(String kind, KubernetesObject object) {
        return SimulatedApiServer.this.update(writer, kind, object, true);
      }

      @Override
      public WriteResult delete(String kind, String namespace, String name, String uid) {
        return SimulatedApiServer.this.delete(writer, kind, namespace, name, uid);
      }

      @Override
      public WriteResult createSubresource(
          String kind, String namespace, String name, String subresource, KubernetesObject body) {
        return SimulatedApiServer.this.bind(writer, kind, namespace, name, subresource, body);
      }

      @Override
      public Optional<KubernetesObject> get(String kind, String namespace, String name) {
        return SimulatedApiServer.this.get(kind, namespace, name);
      }

      @Override
      public OptionalLong currentRevision(String kind) {
        return OptionalLong.of(SimulatedApiServer.this.revision());
      }
    };
  }

  /**
   * A new watch subscription; events arrive after up to {@code maxDelay}. Close it when its owner
   * dies.
   */
  synchronized Feed newFeed(String subscriber, Duration maxDelay) {
    Feed f = new Feed(subscriber, maxDelay.toNanos());
    feeds.add(f);
    return f;
  }

  /**
   * An API Server restart as the informers see it (the watchGaps class): every open feed stops
   * receiving events for its own drawn time of up to {@code maxGap}, then relists (see {@link
   * Feed#gap}).
   *
   * @return the feeds and their gaps, for the trace
   */
  synchronized List<String> watchGaps(Duration maxGap) {
    List<String> out = new ArrayList<>();
    for (Feed f : List.copyOf(feeds)) {
      long gap = (long) (random.nextDouble() * maxGap.toNanos());
      f.gap(gap);
      out.add(f.subscriber + "=" + gap / 1_000_000 + "ms");
    }
    return out;
  }

  /** The global revision: the resourceVersion of the last committed write. */
  synchronized long revision() {
    return rv;
  }

  /** Every write so far, in order. */
  synchronized List<Write> history() {
    return Collections.unmodifiableList(new ArrayList<>(history));
  }

  /** The stored objects of {@code kind}, by key (copies). */
  synchronized List<KubernetesObject> list(String kind) {
    List<KubernetesObject> out = new ArrayList<>();
    for (KubernetesObject o : objects.getOrDefault(kind, new TreeMap<>()).values()) {
      out.add(ObjectSupport.deepCopy(o));
    }
    return out;
  }

  /** The stored objects of {@code kind} themselves (read-only: callers must not modify them). */
  synchronized List<KubernetesObject> listShared(String kind) {
    return new ArrayList<>(objects.getOrDefault(kind, new TreeMap<>()).values());
  }

  synchronized Optional<KubernetesObject> get(String kind, String namespace, String name) {
    KubernetesObject o = objects.getOrDefault(kind, new TreeMap<>()).get(key(namespace, name));
    return Optional.ofNullable(o == null ? null : ObjectSupport.deepCopy(o));
  }

  synchronized WriteResult create(String writer, String kind, KubernetesObject object) {
    String key = ObjectSupport.key(object);
    TreeMap<String, KubernetesObject> byKey = objects.computeIfAbsent(kind, k -> new TreeMap<>());
    double r = random.nextDouble();
    if (r < retryable) {
      return record(
          writer, "create", kind, key, WriteResult.of(Status.RETRYABLE_FAILURE, "injected 503"), 0);
    }
    if (rejectCreate != null && rejectCreate.test(object)) {
      return record(
          writer,
          "create",
          kind,
          key,
          WriteResult.of(Status.FAILED, "injected 403: admission webhook denied " + key),
          0);
    }
    if (byKey.containsKey(key)) {
      return record(
          writer, "create", kind, key, WriteResult.of(Status.ALREADY_EXISTS, key + " exists"), 0);
    }
    KubernetesObject stored = ObjectSupport.deepCopy(object);
    stored.getMetadata().setResourceVersion(Long.toString(++rv));
    stored.getMetadata().setUid(String.format("00000000-0000-0000-0000-%012d", rv));
    if (stored instanceof V1Pod pod) {
      pod.setStatus(null); // status subresource: ignored on create
    }
    byKey.put(key, stored);
    notify(kind, stored, false);
    WriteResult result;
    if (r < retryable + ambiguous) {
      record(writer, "create", kind, key, WriteResult.ok(stored), rv);
      result = WriteResult.of(Status.RETRYABLE_FAILURE, "injected timeout after commit");
    } else {
      result =
          record(writer, "create", kind, key, WriteResult.ok(ObjectSupport.deepCopy(stored)), rv);
    }
    for (Consumer<KubernetesObject> l : List.copyOf(createListeners)) {
      l.accept(stored);
    }
    return result;
  }

  synchronized WriteResult update(
      String writer, String kind, KubernetesObject object, boolean status) {
    String op = status ? "updateStatus" : "update";
    String key = ObjectSupport.key(object);
    TreeMap<String, KubernetesObject> byKey = objects.computeIfAbsent(kind, k -> new TreeMap<>());
    double r = random.nextDouble();
    if (r < retryable) {
      return record(
          writer, op, kind, key, WriteResult.of(Status.RETRYABLE_FAILURE, "injected 503"), 0);
    }
    KubernetesObject cur = byKey.get(key);
    if (cur == null) {
      return record(writer, op, kind, key, WriteResult.of(Status.NOT_FOUND, key + " not found"), 0);
    }
    String want = object.getMetadata().getResourceVersion();
    if (r < retryable + conflict
        || (want != null
            && !want.isEmpty()
            && !want.equals(cur.getMetadata().getResourceVersion()))) {
      return record(
          writer,
          op,
          kind,
          key,
          WriteResult.of(
              Status.CONFLICT,
              "resourceVersion " + want + " is not " + cur.getMetadata().getResourceVersion()),
          0);
    }
    if (!status
        && cur instanceof V1Pod was
        && object instanceof V1Pod now
        && !Objects.equals(nodeName(was), nodeName(now))) {
      // A stored pod's spec is immutable: nodeName is set through pods/binding.
      return record(
          writer,
          op,
          kind,
          key,
          WriteResult.of(
              Status.FAILED,
              "injected 422: pod updates may not change " + "spec.nodeName of " + key),
          0);
    }
    KubernetesObject next;
    if (status) {
      next = ObjectSupport.withStatusOf(cur, object);
    } else {
      next = ObjectSupport.withStatusOf(object, cur);
      next.getMetadata().setUid(cur.getMetadata().getUid());
    }
    next.getMetadata().setResourceVersion(Long.toString(++rv));
    byKey.put(key, next);
    notify(kind, next, false);
    return record(writer, op, kind, key, WriteResult.ok(ObjectSupport.deepCopy(next)), rv);
  }

  /**
   * The binding subresource of a pod, as the API Server does it: an unbound pod gets the node, a
   * bound one conflicts.
   */
  synchronized WriteResult bind(
      String writer,
      String kind,
      String namespace,
      String name,
      String subresource,
      KubernetesObject body) {
    String key = key(namespace, name);
    if (!"binding".equals(subresource) || !(body instanceof V1Binding b)) {
      return record(
          writer,
          "bind",
          kind,
          key,
          WriteResult.of(Status.FAILED, "no subresource " + subresource),
          0);
    }
    if (random.nextDouble() < retryable) {
      return record(
          writer, "bind", kind, key, WriteResult.of(Status.RETRYABLE_FAILURE, "injected 503"), 0);
    }
    TreeMap<String, KubernetesObject> byKey = objects.computeIfAbsent(kind, k -> new TreeMap<>());
    KubernetesObject cur = byKey.get(key);
    if (cur == null) {
      return record(
          writer, "bind", kind, key, WriteResult.of(Status.NOT_FOUND, key + " not found"), 0);
    }
    String uid = b.getMetadata() == null ? null : b.getMetadata().getUid();
    if (uid != null && !uid.equals(cur.getMetadata().getUid())) {
      return record(
          writer, "bind", kind, key, WriteResult.of(Status.CONFLICT, "uid precondition " + uid), 0);
    }
    if (!(cur instanceof V1Pod pod) || nodeName(pod) != null) {
      return record(
          writer,
          "bind",
          kind,
          key,
          WriteResult.of(Status.CONFLICT, key + " is already assigned"),
          0);
    }
    V1Pod next = ObjectSupport.deepCopy(pod);
    next.getSpec().setNodeName(b.getTarget().getName());
    next.getMetadata().setResourceVersion(Long.toString(++rv));
    byKey.put(key, next);
    notify(kind, next, false);
    return record(writer, "bind", kind, key, WriteResult.ok(null), rv);
  }

  private static String nodeName(V1Pod pod) {
    return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
  }

  synchronized WriteResult delete(String writer, String kind, String namespace, String name) {
    return delete(writer, kind, namespace, name, null);
  }

  /**
   * Deletes an object; with a non-null {@code uid} only the incarnation with that uid (a
   * precondition: a different uid answers CONFLICT and deletes nothing, like {@code
   * DeleteOptions.preconditions.uid}).
   */
  synchronized WriteResult delete(
      String writer, String kind, String namespace, String name, String uid) {
    String key = key(namespace, name);
    TreeMap<String, KubernetesObject> byKey = objects.computeIfAbsent(kind, k -> new TreeMap<>());
    if (random.nextDouble() < retryable) {
      return record(
          writer, "delete", kind, key, WriteResult.of(Status.RETRYABLE_FAILURE, "injected 503"), 0);
    }
    KubernetesObject cur = byKey.get(key);
    if (cur == null) {
      return record(
          writer, "delete", kind, key, WriteResult.of(Status.NOT_FOUND, key + " not found"), 0);
    }
    if (uid != null && !uid.equals(cur.getMetadata().getUid())) {
      return record(
          writer,
          "delete",
          kind,
          key,
          WriteResult.of(
              Status.CONFLICT, "uid precondition " + uid + " is not " + cur.getMetadata().getUid()),
          0);
    }
    byKey.remove(key);
    ++rv;
    notify(kind, cur, true);
    return record(writer, "delete", kind, key, WriteResult.ok(ObjectSupport.deepCopy(cur)), rv);
  }

  private WriteResult record(
      String writer, String op, String kind, String key, WriteResult result, long newRv) {
    boolean applied = result.status() == Status.OK;
    history.add(
        new Write(scheduler.nanoTime(), writer, op, kind, key, result.status(), newRv, applied));
    trace.record(
        scheduler.nanoTime(),
        "api " + writer + " " + op + " " + key + " " + result.status(),
        newRv);
    return result;
  }

  private void notify(String kind, KubernetesObject object, boolean deleted) {
    for (Feed f : feeds) {
      f.enqueue(kind, object, deleted);
    }
  }

  static String key(String namespace, String name) {
    return (namespace == null ? "" : namespace) + "/" + name;
  }

  /**
   * A watch subscription, like one informer of one process: a LIST of the current objects when a
   * listener registers, then every change, FIFO, each after a random delay. Closing it (the process
   * died) drops everything not yet delivered.
   */
  final class Feed implements PersistedObjectFeed, AutoCloseable {
    private final String subscriber;
    private final long maxDelayNanos;
    private final Map<String, List<Listener>> listeners = new LinkedHashMap<>();
    private final java.util.ArrayDeque<Pending> queue = new java.util.ArrayDeque<>();
    private long lastDeliverAt;
    private long observed;
    private boolean closed;

    /** While the virtual clock is before this, the watch is broken: new events are lost. */
    private long gapUntil = Long.MIN_VALUE;

    /**
     * What the stage logic's informers hold (its indexer), by kind and key: a relist removes what
     * is gone from them, as an informer's {@code Replace} does. The engine's listeners, like the
     * real API side of the union informer, see only what the list shows.
     */
    private final Map<String, Map<String, KubernetesObject>> indexed = new LinkedHashMap<>();

    /** Events queued and delivered so far (FIFO), for {@link #watch}'s "synced". */
    private long enqueued;

    private long delivered;

    private Feed(String subscriber, long maxDelayNanos) {
      this.subscriber = subscriber;
      this.maxDelayNanos = maxDelayNanos;
      this.observed = rv; // a watch starting now misses nothing committed later
    }

    /** The revision up to which every event has been delivered (the watch is FIFO and complete). */
    @Override
    public OptionalLong observedRevision(String kind) {
      synchronized (SimulatedApiServer.this) {
        return OptionalLong.of(observed);
      }
    }

    @Override
    public void addListener(String kind, Listener listener) {
      synchronized (SimulatedApiServer.this) {
        if (closed) {
          return;
        }
        listeners.computeIfAbsent(kind, k -> new ArrayList<>()).add(listener);
        for (KubernetesObject o : objects.getOrDefault(kind, new TreeMap<>()).values()) {
          schedule(o, false, List.of(listener));
        }
      }
    }

    /**
     * Adds a plain callback for every event of {@code kind} (the stage logic's informer).
     *
     * @return whether the initial state (the objects stored when the watch began) has been
     *     delivered: the informer's {@code hasSynced()}
     */
    java.util.function.BooleanSupplier watch(
        String kind, Consumer<KubernetesObject> onPersisted, Consumer<KubernetesObject> onDeleted) {
      Map<String, KubernetesObject> index;
      synchronized (SimulatedApiServer.this) {
        index = indexed.computeIfAbsent(kind, k -> new LinkedHashMap<>());
      }
      addListener(
          kind,
          new IndexerListener() {
            @Override
            public void onPersisted(KubernetesObject object) {
              synchronized (SimulatedApiServer.this) {
                index.put(ObjectSupport.key(object), object);
              }
              onPersisted.accept(object);
            }

            @Override
            public void onDeleted(KubernetesObject object) {
              synchronized (SimulatedApiServer.this) {
                index.remove(ObjectSupport.key(object));
              }
              onDeleted.accept(object);
            }
          });
      long initial;
      synchronized (SimulatedApiServer.this) {
        initial = enqueued;
      }
      return () -> {
        synchronized (SimulatedApiServer.this) {
          return delivered >= initial;
        }
      };
    }

    private void enqueue(String kind, KubernetesObject object, boolean deleted) {
      List<Listener> targets = listeners.get(kind);
      if (closed || targets == null || scheduler.nanoTime() < gapUntil) {
        return;
      }
      schedule(object, deleted, new ArrayList<>(targets));
    }

    /**
     * Breaks the watch for {@code nanos}: events committed meanwhile are lost, then the feed
     * relists. Every stored object is shown again; the stage logic's informers also drop what is
     * gone; the engine's listeners see only the list, so an object created and deleted inside the
     * gap is never shown to them (an API Server restart, fault matrix class D).
     */
    void gap(long nanos) {
      synchronized (SimulatedApiServer.this) {
        if (closed) {
          return;
        }
        gapUntil = Math.max(gapUntil, scheduler.nanoTime() + nanos);
      }
      scheduler.schedule(this::relist, Duration.ofNanos(nanos));
    }

    private void relist() {
      synchronized (SimulatedApiServer.this) {
        if (closed || scheduler.nanoTime() < gapUntil) {
          return; // closed, or a later gap is still open (it relists)
        }
        for (Map.Entry<String, List<Listener>> e : listeners.entrySet()) {
          Map<String, KubernetesObject> stored = objects.getOrDefault(e.getKey(), new TreeMap<>());
          Map<String, KubernetesObject> index = indexed.getOrDefault(e.getKey(), Map.of());
          List<Listener> indexers =
              e.getValue().stream().filter(l -> l instanceof IndexerListener).toList();
          for (Map.Entry<String, KubernetesObject> known : List.copyOf(index.entrySet())) {
            if (!stored.containsKey(known.getKey()) && !indexers.isEmpty()) {
              schedule(known.getValue(), true, indexers);
            }
          }
          for (KubernetesObject o : stored.values()) {
            schedule(o, false, new ArrayList<>(e.getValue()));
          }
        }
        // The list's revision: observed once everything before it is delivered.
        long now = scheduler.nanoTime();
        long at = Math.max(now, lastDeliverAt);
        lastDeliverAt = at;
        queue.addLast(new Pending(at, null, false, List.of(), rv));
        enqueued++;
        scheduler.schedule(this::pump, Duration.ofNanos(at - now));
      }
    }

    /** Queues one event; FIFO per feed whatever the drawn delays. Lock held. */
    private void schedule(KubernetesObject object, boolean deleted, List<Listener> targets) {
      long now = scheduler.nanoTime();
      long delay = maxDelayNanos <= 0 ? 0 : (long) (random.nextDouble() * maxDelayNanos);
      long at = Math.max(now + delay, lastDeliverAt);
      lastDeliverAt = at;
      queue.addLast(new Pending(at, ObjectSupport.deepCopy(object), deleted, targets, rv));
      enqueued++;
      scheduler.schedule(this::pump, Duration.ofNanos(at - now));
    }

    private void pump() {
      List<Pending> due = new ArrayList<>();
      synchronized (SimulatedApiServer.this) {
        long now = scheduler.nanoTime();
        while (!closed && !queue.isEmpty() && queue.peekFirst().at <= now) {
          due.add(queue.pollFirst());
        }
      }
      for (Pending p : due) {
        synchronized (SimulatedApiServer.this) {
          if (closed) {
            return;
          }
        }
        for (Listener l : p.targets) {
          if (p.deleted) {
            l.onDeleted(p.object);
          } else {
            l.onPersisted(p.object);
          }
        }
        synchronized (SimulatedApiServer.this) {
          observed = Math.max(observed, p.rv); // after the listeners returned
          delivered++;
        }
      }
    }

    @Override
    public void close() {
      synchronized (SimulatedApiServer.this) {
        closed = true;
        queue.clear();
        feeds.remove(this);
      }
    }

    @Override
    public String toString() {
      return "Feed(" + subscriber + ")";
    }
  }

  /** The stage logic's informer callbacks (a relist removes what is gone from them). */
  private interface IndexerListener extends PersistedObjectFeed.Listener {}

  private record Pending(
      long at,
      KubernetesObject object,
      boolean deleted,
      List<PersistedObjectFeed.Listener> targets,
      long rv) {}
}
