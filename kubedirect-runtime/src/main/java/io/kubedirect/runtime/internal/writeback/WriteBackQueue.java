package io.kubedirect.runtime.internal.writeback;

import io.kubedirect.api.KindStrategies;
import io.kubedirect.api.KindStrategy;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.cache.LruCache;
import io.kubedirect.runtime.internal.codec.MergePatches;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.runtime.internal.model.ObjectId;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ExponentialBackoffPolicy;
import io.kubedirect.transport.TaskScheduler;
import io.kubernetes.client.common.KubernetesObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The write-back cache's writer: per object, coalesces the wanted writes (create once, spec update,
 * status update, delete) and performs them against the {@link PersistedObjectApi} on scheduler
 * tasks, never on the caller's thread. Creates are idempotent (ALREADY_EXISTS = success, then the
 * stored copy is read); updates carry the last known resourceVersion as precondition (CONFLICT =
 * re-read and re-apply); transient failures retry with capped exponential backoff; permanent
 * failures complete the waiting futures exceptionally with a {@link WriteException}. Thread-safe.
 *
 * <p><b>Ambiguous creates.</b> A create answered RETRYABLE_FAILURE (or that threw) may have
 * committed (a timeout after commit). It is not retried blindly, since the object may have been
 * deleted meanwhile and the retry would resurrect it. Instead the queue takes a revision barrier:
 * it reads the store's current revision R ({@link PersistedObjectApi#currentRevision}) and waits,
 * on scheduler tasks, until the feed has observed R ({@link PersistedObjectFeed#observedRevision}).
 * If by then the feed showed the name appear after the attempt (absent, then present), the create
 * committed: it is never repeated (and if the object was deleted since, the remaining writes fail
 * with NOT_FOUND). Otherwise it did not commit and the create is retried. If the barrier cannot be
 * taken or does not advance within {@code createBarrierTimeout}, the queue falls back to GET +
 * create (see docs/design.md for the residual risk).
 */
public final class WriteBackQueue {

  private static final Logger log = LoggerFactory.getLogger(WriteBackQueue.class);
  private static final int MAX_CONFLICT_RETRIES_IN_A_ROW = 5;
  private static final int MAX_OBSERVATIONS = 65_536;

  private final PersistedObjectApi api;
  private final TaskScheduler scheduler;

  /** Runs the writes (blocking calls to {@link #api}); timers stay on {@link #scheduler}. */
  private final Executor writers;

  private final EngineMetrics metrics;
  private final BackoffPolicy.Provider backoffs;
  private final PersistedObjectFeed feed;
  private final Duration createBarrierTimeout;
  private final Map<String, Entry> entries = new ConcurrentHashMap<>();
  private final Set<String> watchedKinds = ConcurrentHashMap.newKeySet();

  /**
   * What the feed showed per object (bounded, least recently touched evicted). Guarded by itself.
   */
  private final LruCache<String, Observation> observations = LruCache.ofEntries(MAX_OBSERVATIONS);

  /**
   * The copy of each object this queue created, by id (bounded, least recently used evicted).
   * Guarded by itself.
   */
  private final LruCache<String, KubernetesObject> created = LruCache.ofEntries(MAX_OBSERVATIONS);

  /** Counts feed events; guarded by {@link #observations}. */
  private long observationSeq;

  private volatile boolean closed;
  private final int retriesBeforeReport;
  private final Function<String, KindStrategy<KubernetesObject>> strategies;
  private final Listener listener;

  /**
   * What the queue reports about objects it cannot persist. Called on scheduler tasks, outside any
   * lock.
   */
  public interface Listener {
    /**
     * The store rejected a create for good (e.g. 403 at admission, 422): the object will not be
     * persisted.
     *
     * @param object the object as the stage wanted it
     */
    default void rejected(
        String kind, KubernetesObject object, WriteResult.Status status, String reason) {}

    /**
     * The writes of {@code object} have been retried {@code retries} times in a row; called once
     * per object.
     */
    default void retrying(String kind, KubernetesObject object, int retries, String reason) {}
  }

  /**
   * Creates a queue without a feed: after an ambiguous create failure it falls back to GET + create
   * at once.
   */
  public WriteBackQueue(
      PersistedObjectApi api,
      TaskScheduler scheduler,
      EngineMetrics metrics,
      Duration retryInitial,
      Duration retryMax) {
    this(
        api,
        scheduler,
        metrics,
        retryInitial,
        retryMax,
        null,
        Duration.ZERO,
        8,
        DefaultKindStrategies::forKind,
        new Listener() {});
  }

  /**
   * Creates the queue.
   *
   * @param feed what the informers show of the store, used for the revision barrier after an
   *     ambiguous create; null to fall back to GET + create at once
   * @param createBarrierTimeout how long to wait for the barrier before falling back to GET +
   *     create
   */
  public WriteBackQueue(
      PersistedObjectApi api,
      TaskScheduler scheduler,
      EngineMetrics metrics,
      Duration retryInitial,
      Duration retryMax,
      PersistedObjectFeed feed,
      Duration createBarrierTimeout) {
    this(
        api,
        scheduler,
        metrics,
        retryInitial,
        retryMax,
        feed,
        createBarrierTimeout,
        8,
        DefaultKindStrategies::forKind,
        new Listener() {});
  }

  /**
   * Creates the queue.
   *
   * @param retriesBeforeReport retries in a row after which an object's writes are reported to
   *     {@code listener}
   * @param strategies the strategy of each kind (its ownership rule)
   * @param listener told about permanent rejections and long retries
   */
  public WriteBackQueue(
      PersistedObjectApi api,
      TaskScheduler scheduler,
      EngineMetrics metrics,
      Duration retryInitial,
      Duration retryMax,
      PersistedObjectFeed feed,
      Duration createBarrierTimeout,
      int retriesBeforeReport,
      Function<String, KindStrategy<KubernetesObject>> strategies,
      Listener listener) {
    this(
        api,
        scheduler,
        metrics,
        retryInitial,
        retryMax,
        feed,
        createBarrierTimeout,
        retriesBeforeReport,
        strategies,
        listener,
        null);
  }

  /**
   * Creates the queue.
   *
   * @param writers runs the writes, i.e. the blocking calls to {@code api}, one object's writes at
   *     a time; its thread count bounds the writes in flight. Null: the scheduler's tasks run them.
   */
  public WriteBackQueue(
      PersistedObjectApi api,
      TaskScheduler scheduler,
      EngineMetrics metrics,
      Duration retryInitial,
      Duration retryMax,
      PersistedObjectFeed feed,
      Duration createBarrierTimeout,
      int retriesBeforeReport,
      Function<String, KindStrategy<KubernetesObject>> strategies,
      Listener listener,
      Executor writers) {
    this.writers = writers != null ? writers : scheduler::execute;
    this.strategies = strategies;
    this.retriesBeforeReport = retriesBeforeReport;
    this.listener = listener;
    this.api = api;
    this.scheduler = scheduler;
    this.metrics = metrics;
    this.backoffs = ExponentialBackoffPolicy.provider(retryInitial, retryMax, 2.0, 0.0, null);
    this.feed = feed;
    this.createBarrierTimeout = createBarrierTimeout;
  }

  /**
   * Starts recording what the feed shows of {@code kind}, once per kind (the base of conflict
   * re-applies, tombstones, the ambiguous-create barrier). Submitting a write of a kind tracks it
   * too.
   */
  public void track(String kind) {
    if (feed == null || !watchedKinds.add(kind)) {
      return;
    }
    feed.addListener(
        kind,
        new PersistedObjectFeed.Listener() {
          @Override
          public void onPersisted(KubernetesObject object) {
            observe(kind, object, false);
          }

          @Override
          public void onDeleted(KubernetesObject object) {
            observe(kind, object, true);
          }
        });
  }

  private void observe(String kind, KubernetesObject object, boolean deleted) {
    String id;
    try {
      id = ObjectId.idOf(kind, ObjectSupport.key(object));
    } catch (IllegalArgumentException ex) {
      return;
    }
    synchronized (observations) {
      long seq = ++observationSeq;
      Observation o = observations.computeIfAbsent(id, k -> new Observation());
      if (deleted) {
        o.live = false;
      } else if (!o.live) {
        o.live = true;
        o.appearedSeq = seq;
      }
      o.prev = o.object;
      o.object = object;
    }
  }

  private long observationSeq() {
    synchronized (observations) {
      return observationSeq;
    }
  }

  private Observation observation(String id) {
    synchronized (observations) {
      Observation o = observations.get(id);
      return o == null ? null : o.copy();
    }
  }

  /** The copy of {@code kind}/{@code key} the feed showed last, if it shows it live; else null. */
  public KubernetesObject observedCopy(String kind, String key) {
    Observation o = observation(ObjectId.idOf(kind, key));
    return o == null || !o.live ? null : o.object;
  }

  /** The resourceVersion of the copy of {@code id} the feed shows live, or null. */
  String observedRv(String id) {
    Observation o = observation(id);
    return o == null || !o.live || o.object == null ? null : ObjectSupport.persistedRv(o.object);
  }

  /**
   * The copy of {@code id} the feed shows live, if it has a resourceVersion and is "ours" for
   * {@code desired} (its kind's {@link KindStrategy#ownershipConflict}); else null.
   */
  private KubernetesObject observedLive(String id, KubernetesObject desired) {
    Observation o = observation(id);
    if (o == null || !o.live || o.object == null || ObjectSupport.persistedRv(o.object) == null) {
      return null;
    }
    String kind = id.substring(0, id.indexOf('|'));
    return strategies.apply(kind).ownershipConflict(desired, o.object) != null ? null : o.object;
  }

  /**
   * Asks for {@code op} on {@code object} to be persisted.
   *
   * @param baseRv the resourceVersion of the persisted copy the object derives from, or null when
   *     it was never persisted (then it is created first)
   * @return completes with the stored object once every write asked for so far is persisted
   */
  public CompletableFuture<KubernetesObject> submit(
      String kind, WriteOp op, KubernetesObject object, String baseRv, WriteBackPolicy policy) {
    CompletableFuture<KubernetesObject> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new WriteException(WriteResult.Status.FAILED, "write-back closed"));
      return f;
    }
    String id = ObjectId.idOf(kind, ObjectSupport.key(object));
    track(kind);
    Entry e = entry(id, kind, object, baseRv);
    Schedule schedule;
    while (true) {
      synchronized (e) {
        if (!e.removed) {
          schedule = want(e, op, object, f, policy);
          break;
        }
      }
      // process() finished this entry and dropped it after we looked it up: use the current one.
      e = entry(id, kind, object, baseRv);
    }
    Entry target = e;
    switch (schedule) {
      case NOW -> run(id, target);
      case COALESCE -> scheduler.schedule(() -> run(id, target), policy.coalesce());
      case ALREADY -> {}
    }
    return f;
  }

  private enum Schedule {
    NOW,
    COALESCE,
    ALREADY
  }

  /**
   * Records {@code op} on {@code e} (caller holds its lock) and says whether a run must be
   * scheduled.
   */
  private static Schedule want(
      Entry e,
      WriteOp op,
      KubernetesObject object,
      CompletableFuture<KubernetesObject> f,
      WriteBackPolicy policy) {
    e.desired = object;
    switch (op) {
      case CREATE -> e.wantCreate = !e.exists;
      case UPDATE -> {
        if (e.exists) {
          e.wantUpdate = true;
        } else {
          e.wantCreate = true;
        }
      }
      case UPDATE_STATUS -> {
        e.wantCreate |= !e.exists;
        e.wantStatus = true;
      }
      case DELETE -> e.wantDelete = true;
    }
    e.waiters.add(f);
    if (e.scheduled || e.running) {
      return Schedule.ALREADY;
    }
    e.scheduled = true;
    return policy.mode() != WriteBackPolicy.Mode.LAZY || policy.coalesce().isZero()
        ? Schedule.NOW
        : Schedule.COALESCE;
  }

  /** The pending entry of {@code id}, created if there is none. */
  private Entry entry(String id, String kind, KubernetesObject object, String baseRv) {
    Entry e = entries.get(id);
    if (e != null) {
      return e;
    }
    // Never persisted as far as the caller knows, but the feed shows it live (e.g. created on
    // receipt):
    // start from that copy so the write is an update, not a second create (CONFLICT re-reads and
    // re-applies).
    // Only a new entry needs it: a pending one already knows what is stored.
    KubernetesObject observed = baseRv == null ? observedLive(id, object) : null;
    if (baseRv == null && observed == null) {
      // Created by this queue, and the feed does not show it yet (a later write of the same object,
      // e.g. its
      // status after an expose-on-receipt create): start from that copy rather than create it a
      // second time,
      // which would bring it back if it was deleted meanwhile.
      KubernetesObject mine = createdCopy(id);
      if (mine != null && strategies.apply(kind).ownershipConflict(object, mine) == null) {
        observed = mine;
      }
    }
    KubernetesObject live = observed;
    Observation seen = baseRv == null ? null : observation(id);
    KubernetesObject base = seen == null ? null : seen.at(baseRv);
    return entries.computeIfAbsent(
        id,
        k -> {
          Entry n = new Entry(kind, object, baseRv, scheduler.nanoTime());
          n.base = base;
          if (live != null) {
            n.stored(live);
            n.fromObservation = true;
          }
          return n;
        });
  }

  /** How many objects have writes pending. */
  public int pending() {
    return entries.size();
  }

  /** Whether a write for {@code kind}/{@code key} is pending. */
  public boolean isPending(String kind, String key) {
    return entries.containsKey(ObjectId.idOf(kind, key));
  }

  /** Stops; pending futures fail. */
  public void close() {
    closed = true;
    for (Entry e : entries.values()) {
      List<CompletableFuture<KubernetesObject>> ws;
      synchronized (e) {
        ws = new ArrayList<>(e.waiters);
        e.waiters.clear();
      }
      ws.forEach(
          w ->
              w.completeExceptionally(
                  new WriteException(WriteResult.Status.FAILED, "write-back closed")));
    }
    entries.clear();
  }

  /**
   * Runs {@link #process} on the writers; a rejected task (executor shut down) counts as closed.
   */
  private void run(String id, Entry e) {
    try {
      writers.execute(() -> process(id, e));
    } catch (RejectedExecutionException ex) {
      log.debug("write-back of {} not run: the writers are shut down", id);
    }
  }

  private void process(String id, Entry e) {
    if (closed) {
      return;
    }
    KubernetesObject desired;
    boolean create;
    boolean update;
    boolean status;
    boolean delete;
    boolean existed;
    List<CompletableFuture<KubernetesObject>> waiters;
    synchronized (e) {
      existed = e.exists;
      e.scheduled = false;
      e.running = true;
      desired = e.desired;
      create = e.wantCreate;
      update = e.wantUpdate;
      status = e.wantStatus;
      delete = e.wantDelete;
      waiters = new ArrayList<>(e.waiters);
    }
    Outcome attempted;
    long started = scheduler.nanoTime();
    try {
      attempted = perform(e, desired, create, update, status, delete);
    } catch (RuntimeException ex) {
      log.warn("write-back of {} failed unexpectedly", id, ex);
      attempted = Outcome.retry(WriteResult.Status.RETRYABLE_FAILURE, ex.toString());
    }
    final Outcome outcome = attempted;
    boolean again;
    boolean report = false;
    synchronized (e) {
      e.running = false;
      if (outcome.kind == Outcome.Kind.RETRY) {
        e.retries++;
        if (e.retries >= retriesBeforeReport && !e.reported) {
          e.reported = report = true;
        }
      } else if (outcome.kind != Outcome.Kind.WAIT) {
        e.retries = 0;
      }
      if (outcome.kind == Outcome.Kind.DONE) {
        e.backoff = null;
        if (e.desired == desired) {
          e.wantCreate &= !create;
          e.wantUpdate &= !update;
          e.wantStatus &= !status;
          e.wantDelete &= !delete;
        } else {
          // A newer desired object arrived meanwhile: keep its flags, but the creation is done.
          e.wantCreate = false;
        }
        e.waiters.removeAll(waiters);
      } else if (outcome.kind == Outcome.Kind.FAILED) {
        e.waiters.removeAll(waiters);
        e.wantCreate = e.wantUpdate = e.wantStatus = e.wantDelete = false;
      }
      again = e.wantCreate || e.wantUpdate || e.wantStatus || e.wantDelete || !e.waiters.isEmpty();
      if (!again) {
        e.removed = true;
        entries.remove(id, e);
      } else {
        e.scheduled = true;
      }
    }
    switch (outcome.kind) {
      case DONE -> {
        if (log.isDebugEnabled()) {
          log.debug(
              "write-back of {} done (create {}, update {}, status {}, delete {}) in {} us",
              id,
              create,
              update,
              status,
              delete,
              (scheduler.nanoTime() - started) / 1000);
        }
        metrics.writeBackLag(Duration.ofNanos(Math.max(0, scheduler.nanoTime() - e.firstNanos)));
        waiters.forEach(w -> w.complete(outcome.stored));
      }
      case FAILED -> {
        log.warn("write-back of {} failed permanently: {} {}", id, outcome.status, outcome.message);
        metrics.writeBackFailure(outcome.status.name());
        waiters.forEach(
            w -> w.completeExceptionally(new WriteException(outcome.status, outcome.message)));
        if (create && !existed && !delete && outcome.status == WriteResult.Status.FAILED) {
          listener.rejected(e.kind, desired, outcome.status, outcome.message);
        }
      }
      case RETRY -> {
        log.debug("write-back of {} will retry: {} {}", id, outcome.status, outcome.message);
        metrics.writeBackFailure(outcome.status.name());
        if (report) {
          log.warn(
              "write-back of {} has been retried {} times in a row, still retrying: {} {}",
              id,
              retriesBeforeReport,
              outcome.status,
              outcome.message);
          metrics.writeBackRetrying();
          listener.retrying(
              e.kind, desired, retriesBeforeReport, outcome.status + " " + outcome.message);
        }
      }
      case WAIT -> log.debug("write-back of {} waits: {}", id, outcome.message);
    }
    if (again) {
      if (outcome.kind == Outcome.Kind.RETRY || outcome.kind == Outcome.Kind.WAIT) {
        scheduler.schedule(() -> run(id, e), backoff(e));
      } else {
        run(id, e);
      }
    }
  }

  private Duration backoff(Entry e) {
    synchronized (e) {
      if (e.backoff == null) {
        e.backoff = backoffs.get();
      }
      return e.backoff.nextBackoff();
    }
  }

  private Outcome perform(
      Entry e,
      KubernetesObject desired,
      boolean create,
      boolean update,
      boolean status,
      boolean delete) {
    var meta = desired.getMetadata();
    if (delete) {
      String uid = deleteUid(e, desired);
      WriteResult r = api.delete(e.kind, meta.getNamespace(), meta.getName(), uid);
      return switch (r.status()) {
        case OK, NOT_FOUND -> Outcome.done(desired);
        // With a uid precondition, CONFLICT means the name now holds another incarnation: ours is
        // gone.
        case CONFLICT ->
            uid != null ? Outcome.done(desired) : Outcome.retry(r.status(), r.message());
        case RETRYABLE_FAILURE -> Outcome.retry(r.status(), r.message());
        default -> Outcome.failed(r.status(), r.message());
      };
    }
    if (create && !e.exists && deletedAfterEmit(e, desired)) {
      return Outcome.failed(
          WriteResult.Status.NOT_FOUND,
          "deleted in the store after it was emitted: not created again");
    }
    if (create && !e.exists && e.createUncertain) {
      Outcome o = resolveAmbiguousCreate(e, desired);
      if (o != null) {
        return o;
      }
      if (e.exists && ObjectSupport.status(desired) != null) {
        status = true;
      }
    }
    boolean foundStored = false;
    if (create && !e.exists) {
      long before = observationSeq();
      WriteResult r;
      try {
        r = api.create(e.kind, ObjectSupport.forCreate(desired));
      } catch (RuntimeException ex) {
        r = WriteResult.of(WriteResult.Status.RETRYABLE_FAILURE, ex.toString());
      }
      switch (r.status()) {
        case OK -> {
          e.stored(r.object());
          rememberCreated(ObjectId.idOf(e.kind, ObjectSupport.key(desired)), r.object());
        }
        case ALREADY_EXISTS -> {
          Outcome o = adoptExisting(e, desired);
          if (o != null) {
            return o;
          }
          foundStored = true;
        }
        case RETRYABLE_FAILURE -> {
          // Maybe committed (a timeout after commit): resolve it before creating again.
          awaitFeedVerdict(e, before);
          return Outcome.retry(r.status(), r.message());
        }
        case CONFLICT -> {
          return Outcome.retry(r.status(), r.message());
        }
        default -> {
          return Outcome.failed(r.status(), r.message());
        }
      }
      if (ObjectSupport.status(desired) != null) {
        status = true;
      }
    }
    if ((update || status || foundStored) && e.exists) {
      // foundStored: a create found a copy stored by someone else (e.g. a fallback): it may lack
      // e.g. the node.
      Outcome o = subresourceWritesFirst(e, desired);
      if (o != null) {
        return goneSinceObserved(e, o);
      }
    }
    if (update && e.exists) {
      Outcome o = withConflictRetry(e, desired, true, obj -> api.update(e.kind, obj));
      if (o != null) {
        return goneSinceObserved(e, o);
      }
    }
    if (status && e.exists) {
      Outcome o = withConflictRetry(e, desired, false, obj -> api.updateStatus(e.kind, obj));
      if (o != null) {
        return goneSinceObserved(e, o);
      }
    }
    return Outcome.done(e.storedObject != null ? e.storedObject : desired);
  }

  /**
   * An update of a copy known only from the feed found it gone (deleted after the feed showed it).
   * If this queue created that copy (e.g. on receipt), or the object to write is that incarnation
   * (it carries no uid of its own, or the gone copy's, as {@link #deletedAfterEmit} reads it), it
   * was deleted on purpose and is not resurrected: the NOT_FOUND stands. Otherwise it was another
   * incarnation of the name (a producer that reuses names gives each its own uid), and the object
   * is created, as it would have been without the feed.
   */
  private Outcome goneSinceObserved(Entry e, Outcome o) {
    if (!e.fromObservation
        || o.kind != Outcome.Kind.FAILED
        || o.status != WriteResult.Status.NOT_FOUND) {
      return o;
    }
    String uid = uid(e.storedObject);
    if (uid != null
        && uid.equals(uid(createdCopy(ObjectId.idOf(e.kind, ObjectSupport.key(e.desired)))))) {
      return o;
    }
    String want = uid(e.desired);
    if (want == null || want.equals(uid)) {
      // E.g. an upstream's fallback stored the pod this stage holds, and the garbage collector
      // deleted it with its owner (fault matrix class C, owner-delete: a resurrected name).
      return o;
    }
    synchronized (e) {
      e.fromObservation = false;
      e.exists = false;
      e.storedRv = null;
      e.storedObject = null;
      e.wantCreate = true;
    }
    return Outcome.retry(WriteResult.Status.NOT_FOUND, "the observed copy is gone: creating it");
  }

  /**
   * The uid a delete of {@code e} must match: a retracted copy's, the copy this queue stored, or
   * null.
   */
  private static String deleteUid(Entry e, KubernetesObject desired) {
    if (e.deleteUid != null) {
      return e.deleteUid;
    }
    if (e.storedObject != null && uid(e.storedObject) != null) {
      return uid(e.storedObject);
    }
    return ObjectSupport.persistedRv(desired) != null ? uid(desired) : null;
  }

  /**
   * Whether the feed showed this name deleted (its last event) and the object to create is that
   * incarnation: it carries no uid of its own, or the deleted copy's. Such an object was emitted
   * before its deletion; a late write-back must not resurrect it. (A producer that reuses names
   * gives each incarnation a new uid.)
   */
  private boolean deletedAfterEmit(Entry e, KubernetesObject desired) {
    Observation o = observation(ObjectId.idOf(e.kind, ObjectSupport.key(desired)));
    if (o == null || o.live || o.object == null) {
      return false;
    }
    String want = uid(desired);
    return want == null || want.equals(uid(o.object));
  }

  private void rememberCreated(String id, KubernetesObject copy) {
    if (uid(copy) != null) {
      synchronized (created) {
        created.put(id, copy);
      }
    }
  }

  /** The copy of {@code id} this queue created (as the create answered), or null. */
  private KubernetesObject createdCopy(String id) {
    synchronized (created) {
      return created.get(id);
    }
  }

  /**
   * The object was deleted upstream before the stage's writes of it were done: the delete wins.
   * Pending writes are dropped (their futures fail with NOT_FOUND); a copy this queue created, or
   * is creating right now, is deleted with its uid as precondition. Returns what completes when
   * nothing of it is left here.
   */
  public CompletableFuture<KubernetesObject> retract(String kind, KubernetesObject stub) {
    String id = ObjectId.idOf(kind, ObjectSupport.key(stub));
    String createdUid = uid(createdCopy(id));
    if (entries.get(id) == null && createdUid == null) {
      return CompletableFuture.completedFuture(stub);
    }
    Entry e = entry(id, kind, stub, null);
    CompletableFuture<KubernetesObject> f = new CompletableFuture<>();
    List<CompletableFuture<KubernetesObject>> dropped;
    boolean schedule = false;
    synchronized (e) {
      if (e.removed) {
        return retract(kind, stub);
      }
      if (e.wantDelete) {
        // A retraction's delete is under way (e.g. retrying): a repeated retraction joins it; it
        // must not fail
        // the first one's future, whose ack would tell the producer the copy is gone while it is
        // still stored.
        e.wantCreate = e.wantUpdate = e.wantStatus = false;
        e.waiters.add(f);
        return f;
      }
      e.wantCreate = e.wantUpdate = e.wantStatus = false;
      dropped = new ArrayList<>(e.waiters);
      e.waiters.clear();
      if (createdUid != null && !e.exists) {
        e.exists = true;
        e.deleteUid = createdUid;
      }
      if (e.exists || e.running || e.createUncertain) {
        // A copy exists, is being created right now, or may have been: delete it (after the running
        // write).
        e.wantDelete = true;
        e.waiters.add(f);
        if (!e.scheduled && !e.running) {
          e.scheduled = schedule = true;
        }
      } else {
        f.complete(stub); // nothing was written yet and nothing will be
        if (!e.scheduled) {
          e.removed = true;
          entries.remove(id, e);
        }
      }
    }
    WriteException gone = new WriteException(WriteResult.Status.NOT_FOUND, "deleted upstream");
    dropped.forEach(w -> w.completeExceptionally(gone));
    if (schedule) {
      run(id, e);
    }
    return f;
  }

  /**
   * The object's ephemeral copy was withdrawn upstream (not deleted): its pending writes are
   * dropped (their futures fail with NOT_FOUND). A copy already created stays, and so does one
   * whose create may have committed (it is no longer resolved: the feed shows it if it exists); a
   * delete under way goes on.
   */
  public void cancel(String kind, String key) {
    String id = ObjectId.idOf(kind, key);
    Entry e = entries.get(id);
    if (e == null) {
      return;
    }
    List<CompletableFuture<KubernetesObject>> dropped;
    synchronized (e) {
      if (e.removed || e.wantDelete) {
        return;
      }
      e.wantCreate = e.wantUpdate = e.wantStatus = false;
      e.createUncertain = false;
      dropped = new ArrayList<>(e.waiters);
      e.waiters.clear();
      if (!e.scheduled && !e.running) {
        e.removed = true;
        entries.remove(id, e);
      }
    }
    WriteException gone = new WriteException(WriteResult.Status.NOT_FOUND, "withdrawn upstream");
    dropped.forEach(w -> w.completeExceptionally(gone));
  }

  /** The key of an object's entry and observation. */
  private static String uid(KubernetesObject o) {
    return o == null || o.getMetadata() == null ? null : o.getMetadata().getUid();
  }

  /**
   * Makes the writes of {@code desired} over the stored copy that an update cannot make (its kind's
   * {@link KindStrategy#subresourceWrite}, e.g. a pod's binding after a fallback stored it
   * unbound), re-reading the object after each. Judged against the best copy known (stored, else
   * the base it derives from); none known: nothing to do here. Null = go on with the update.
   */
  private Outcome subresourceWritesFirst(Entry e, KubernetesObject desired) {
    KindStrategy<KubernetesObject> strategy = strategies.apply(e.kind);
    KubernetesObject known = e.storedObject != null ? e.storedObject : e.base;
    var meta = desired.getMetadata();
    if (known == null && strategy != KindStrategies.generic()) {
      // Nothing known of the stored copy, and this kind may need such writes (a pod's binding):
      // read it.
      known = api.get(e.kind, meta.getNamespace(), meta.getName()).orElse(null);
    }
    for (int i = 0; known != null && i < MAX_CONFLICT_RETRIES_IN_A_ROW; i++) {
      KindStrategy.SubresourceWrite w = strategy.subresourceWrite(desired, known);
      if (w == null) {
        return null;
      }
      WriteResult r =
          api.createSubresource(
              e.kind, meta.getNamespace(), meta.getName(), w.subresource(), w.body());
      switch (r.status()) {
        case OK, CONFLICT -> {
          // Written, or the subresource was set meanwhile (maybe by another writer): see what is
          // stored now.
          Optional<KubernetesObject> cur = api.get(e.kind, meta.getNamespace(), meta.getName());
          if (cur.isEmpty()) {
            return Outcome.failed(
                WriteResult.Status.NOT_FOUND, "object vanished during " + w.subresource());
          }
          String conflict = strategy.ownershipConflict(desired, cur.get());
          if (conflict != null) {
            return Outcome.failed(WriteResult.Status.ALREADY_EXISTS, conflict);
          }
          e.stored(cur.get());
          known = cur.get();
        }
        case RETRYABLE_FAILURE -> {
          return Outcome.retry(r.status(), w.subresource() + ": " + r.message());
        }
        default -> {
          return Outcome.failed(r.status(), w.subresource() + ": " + r.message());
        }
      }
    }
    return null;
  }

  /**
   * Whether {@code e}'s object exists is left to the feed, from feed event {@code seq} on: the next
   * create attempt first resolves it like an ambiguous create ({@link #resolveAmbiguousCreate}).
   */
  private void awaitFeedVerdict(Entry e, long seq) {
    e.createUncertain = true;
    e.attemptSeq = seq;
    e.barrierRevision = -1;
    e.barrierDeadline = scheduler.nanoTime() + createBarrierTimeout.toNanos();
  }

  /**
   * The create found the object there: read it and take it as ours, unless it is bound elsewhere.
   */
  private Outcome adoptExisting(Entry e, KubernetesObject desired) {
    var meta = desired.getMetadata();
    Optional<KubernetesObject> cur = api.get(e.kind, meta.getNamespace(), meta.getName());
    if (cur.isEmpty()) {
      // The name was taken a moment ago (e.g. an upstream's fallback stored this object) and is
      // gone now, or the read failed. Decided through the feed like an ambiguous create: once it
      // has caught up, a deletion it shows stands (creating the object again would resurrect it:
      // fault matrix class C, partition x owner-delete), a copy it shows is taken as stored, and
      // only a name it never showed is created.
      awaitFeedVerdict(e, observationSeq());
      return Outcome.retry(
          WriteResult.Status.RETRYABLE_FAILURE, "exists but cannot be read: asking the feed");
    }
    return takeStored(e, desired, cur.get());
  }

  private Outcome takeStored(Entry e, KubernetesObject desired, KubernetesObject stored) {
    String conflict = strategies.apply(e.kind).ownershipConflict(desired, stored);
    if (conflict != null) {
      // The API copy wins: another consumer persisted this object first.
      return Outcome.failed(WriteResult.Status.ALREADY_EXISTS, conflict);
    }
    e.stored(stored);
    return null;
  }

  /**
   * Decides whether an earlier create that failed ambiguously committed. Returns null when the
   * caller may go on (the object now counts as existing, or the create must be made again), else
   * the outcome.
   */
  private Outcome resolveAmbiguousCreate(Entry e, KubernetesObject desired) {
    String id = ObjectId.idOf(e.kind, ObjectSupport.key(desired));
    Observation seen = observation(id);
    if (seen != null && seen.appearedSeq > e.attemptSeq) {
      // The feed showed the name appear after the attempt: the create committed (ours, or the same
      // object
      // written by another path). Never create it again.
      e.createUncertain = false;
      rememberCreated(id, seen.object);
      if (!seen.live) {
        e.exists = true;
        e.storedObject = seen.object;
        return Outcome.failed(
            WriteResult.Status.NOT_FOUND,
            "created (the create's answer was lost), then deleted: not re-created");
      }
      return takeStored(e, desired, seen.object);
    }
    if (feed != null) {
      if (e.barrierRevision < 0) {
        OptionalLong r;
        try {
          r = api.currentRevision(e.kind);
        } catch (RuntimeException ex) {
          r = OptionalLong.empty();
        }
        if (r.isPresent()) {
          e.barrierRevision = r.getAsLong();
        }
      }
      OptionalLong observed = feed.observedRevision(e.kind);
      if (e.barrierRevision >= 0
          && observed.isPresent()
          && observed.getAsLong() >= e.barrierRevision) {
        // Everything committed before the barrier has been observed, and the name did not appear:
        // the
        // create did not commit.
        e.createUncertain = false;
        return null;
      }
      if (scheduler.nanoTime() < e.barrierDeadline) {
        return Outcome.waiting(
            "ambiguous create: waiting for the feed to observe revision "
                + (e.barrierRevision < 0 ? "(unknown yet)" : e.barrierRevision));
      }
      log.warn(
          "write-back of {}: the feed did not reach revision {} within {} after an ambiguous create;"
              + " falling back to GET + create",
          id,
          e.barrierRevision,
          createBarrierTimeout);
      metrics.writeBackFailure("AMBIGUOUS_CREATE_BARRIER_TIMEOUT");
    }
    // Fallback: GET, then create only if it is absent now.
    var meta = desired.getMetadata();
    Optional<KubernetesObject> cur = api.get(e.kind, meta.getNamespace(), meta.getName());
    e.createUncertain = false;
    if (cur.isPresent()) {
      return takeStored(e, desired, cur.get());
    }
    return null;
  }

  /**
   * Runs a precondition write; on CONFLICT re-reads the stored copy and re-applies. A spec write
   * ({@code rebase}) re-applies only what the stage changed (the merge patch from the copy it
   * derived from to what it wants) onto the stored copy, so other writers' changes stay; when that
   * base is unknown it re-applies the whole object as before. A status write re-applies the status,
   * which the stage owns. Null = success.
   */
  private Outcome withConflictRetry(
      Entry e,
      KubernetesObject desired,
      boolean rebase,
      java.util.function.Function<KubernetesObject, WriteResult> write) {
    KubernetesObject toWrite = ObjectSupport.withRv(desired, e.storedRv);
    for (int i = 0; i < MAX_CONFLICT_RETRIES_IN_A_ROW; i++) {
      WriteResult r = write.apply(toWrite);
      switch (r.status()) {
        case OK -> {
          e.stored(r.object());
          if (rebase) {
            e.base = r.object();
          }
          return null;
        }
        case CONFLICT -> {
          metrics.writeBackFailure(r.status().name());
          var m = desired.getMetadata();
          Optional<KubernetesObject> cur = api.get(e.kind, m.getNamespace(), m.getName());
          if (cur.isEmpty()) {
            return Outcome.failed(
                WriteResult.Status.NOT_FOUND, "object vanished during conflict retry");
          }
          e.stored(cur.get());
          KubernetesObject rebased =
              rebase && e.base != null ? MergePatches.rebase(e.base, desired, cur.get()) : null;
          if (rebase && rebased == null) {
            log.debug(
                "write-back of {}: no base copy known, re-applying the whole object",
                ObjectSupport.key(desired));
          }
          toWrite =
              rebased != null
                  ? ObjectSupport.withRv(rebased, e.storedRv)
                  : ObjectSupport.withRv(desired, e.storedRv);
        }
        case RETRYABLE_FAILURE -> {
          return Outcome.retry(r.status(), r.message());
        }
        default -> {
          return Outcome.failed(r.status(), r.message());
        }
      }
    }
    return Outcome.retry(WriteResult.Status.CONFLICT, "conflicts in a row");
  }

  private static final class Entry {
    final String kind;
    final long firstNanos;
    KubernetesObject desired;

    /**
     * The persisted copy {@link #desired} was derived from (for conflict re-applies), or null if
     * unknown.
     */
    KubernetesObject base;

    KubernetesObject storedObject;
    String storedRv;

    /** The uid a delete must match (set by a retraction of a copy this queue created), or null. */
    String deleteUid;

    /** Retries in a row; reported once at {@code retriesBeforeReport}. */
    int retries;

    boolean reported;
    boolean exists;
    boolean wantCreate;
    boolean wantUpdate;
    boolean wantStatus;
    boolean wantDelete;
    boolean scheduled;
    boolean running;

    /**
     * Dropped from the map by {@code process}; a submit that still holds it must look up the
     * current entry.
     */
    boolean removed;

    /** The backoff of the current run of failed attempts; null after a success. */
    BackoffPolicy backoff;

    /** Counted as existing only because the feed showed it (not created or read by this writer). */
    boolean fromObservation;

    /** A create failed ambiguously and is not resolved yet. */
    boolean createUncertain;

    /** The feed's event count just before that create was sent. */
    long attemptSeq;

    /** The store revision read after it (-1 not read yet). */
    long barrierRevision = -1;

    /** When to stop waiting for the feed to observe {@link #barrierRevision}. */
    long barrierDeadline;

    final List<CompletableFuture<KubernetesObject>> waiters = new ArrayList<>();

    Entry(String kind, KubernetesObject desired, String baseRv, long firstNanos) {
      this.kind = kind;
      this.desired = desired;
      this.storedRv = baseRv;
      this.exists = baseRv != null;
      this.firstNanos = firstNanos;
    }

    void stored(KubernetesObject o) {
      exists = true;
      fromObservation = false;
      if (o != null) {
        storedObject = o;
        String rv = o.getMetadata() == null ? null : o.getMetadata().getResourceVersion();
        if (rv != null) {
          storedRv = rv;
        }
      }
    }
  }

  /** What the feed showed of one object. */
  private static final class Observation {
    boolean live;
    long appearedSeq;
    KubernetesObject object;

    /** The copy the feed showed before {@link #object}. */
    KubernetesObject prev;

    Observation copy() {
      Observation c = new Observation();
      c.live = live;
      c.appearedSeq = appearedSeq;
      c.object = object;
      c.prev = prev;
      return c;
    }

    /**
     * The observed copy with resourceVersion {@code rv} (the latest or the one before), or null.
     */
    KubernetesObject at(String rv) {
      if (object != null && rv.equals(ObjectSupport.persistedRv(object))) {
        return object;
      }
      return prev != null && rv.equals(ObjectSupport.persistedRv(prev)) ? prev : null;
    }
  }

  private record Outcome(
      Kind kind, KubernetesObject stored, WriteResult.Status status, String message) {
    enum Kind {
      DONE,
      RETRY,
      WAIT,
      FAILED
    }

    static Outcome waiting(String m) {
      return new Outcome(Kind.WAIT, null, WriteResult.Status.RETRYABLE_FAILURE, m);
    }

    static Outcome done(KubernetesObject stored) {
      return new Outcome(Kind.DONE, stored, WriteResult.Status.OK, "");
    }

    static Outcome retry(WriteResult.Status s, String m) {
      return new Outcome(Kind.RETRY, null, s, m);
    }

    static Outcome failed(WriteResult.Status s, String m) {
      return new Outcome(Kind.FAILED, null, s, m);
    }
  }
}
