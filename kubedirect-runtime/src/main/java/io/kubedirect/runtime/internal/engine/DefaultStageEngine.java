package io.kubedirect.runtime.internal.engine;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kubedirect.api.KindStrategies;
import io.kubedirect.api.KindStrategy;
import io.kubedirect.api.KubeDirectLabels;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.runtime.internal.cache.LruCache;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.codec.MergePatches;
import io.kubedirect.runtime.internal.codec.ObjectCodec;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.runtime.internal.model.ObjectId;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.DefaultEphemeralStore;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.internal.store.ObjectInterner;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.runtime.internal.writeback.WriteBackQueue;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TaskScheduler;
import io.kubedirect.transport.Transport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link StageEngine}: one lock ({@code this}) guards the dirty set, the sessions and the epoch
 * table; blocking persisted-store calls run outside it, on scheduler tasks or the write-back's
 * executor. See {@code docs/design.md}.
 */
public final class DefaultStageEngine implements StageEngine {

  private static final Logger log = LoggerFactory.getLogger(DefaultStageEngine.class);
  private static final int RECENTLY_PERSISTED = 65_536;
  static final WriteBackPolicy DEFAULT_EMITTED_POLICY =
      WriteBackPolicy.lazy(Duration.ofMillis(500));

  final StageDeclaration stage;
  final Transport transport;
  final PeerDiscovery discovery;
  final TaskScheduler scheduler;
  final PersistedObjectApi api;
  final PersistedObjectFeed feed;
  final ObjectCodec codec;
  final EpochSource epochs;
  final EngineLimits limits;
  final EngineMetrics metrics;
  final AdoptionPolicy adoption;
  final EphemeralStore store = new DefaultEphemeralStore();

  /**
   * This stage's own dirty objects of the kinds it emits but does not receive
   * (read-your-own-writes).
   */
  final EphemeralStore emittedView = new DefaultEphemeralStore();

  private final CompletableFuture<Void> recovered = new CompletableFuture<>();
  private final ObjectInterner interner = new ObjectInterner(4096);
  final WriteBackQueue writeBack;
  final ReceiverHandler receiverHandler = new ReceiverHandler(this);
  private final PeerAddress listenAddress;
  private final boolean requireManagedLabel;
  private final Map<String, WriteBackPolicy> policies;
  private final Map<String, KindStrategy<KubernetesObject>> strategies;
  private final Set<String> receivedKinds = new HashSet<>();
  private final Set<String> emittedKinds = new HashSet<>();

  // Guarded by this.
  final Map<String, DirtyEntry> dirty = new HashMap<>();
  final Map<PeerAddress, UpstreamSession> upstreamSessions = new LinkedHashMap<>();
  final Map<String, DownstreamSession> downstreamSessions = new HashMap<>();
  final Map<String, Long> sourceEpochs = new HashMap<>();
  final Map<String, DownstreamSession> epochOwners = new HashMap<>();

  /** Links to the instances of subscriber stages, by address. */
  final Map<PeerAddress, SubscriberSession> subscriberSessions = new LinkedHashMap<>();

  /**
   * What subscribers should hold from this stage now: its held objects of the published kinds, by
   * id.
   */
  final Map<String, Published> published = new LinkedHashMap<>();

  private final Set<String> publishedKinds = new HashSet<>();
  private final String instance;

  /**
   * The resourceVersion of this stage's latest completed write-back per object of a published kind
   * (guarded by this, bounded): an API copy older than it does not supersede the held copy (its
   * feed lags behind its writes).
   */
  private final Map<String, String> lastWritten =
      new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
          return size() > RECENTLY_PERSISTED;
        }
      };

  /** One published object: its current copy and the version it was published at. */
  record Published(String kind, String key, long version, KubernetesObject object) {}

  /**
   * Sources that publish to this stage as one of their subscribers (it only observes what they
   * send).
   */
  final Set<String> subscriptionSources = new HashSet<>();

  private record Seen(String rv, Long generation, String uid) {}

  final LruCache<String, Seen> recentlyPersisted = LruCache.ofEntries(RECENTLY_PERSISTED);

  /**
   * Tombstones: objects the API Server showed deleted, by id, with the deleted copy's uid ("" if
   * none). A late ephemeral copy of such an object (a resend, a late write-back) must not bring it
   * back. Bounded.
   */
  private final Cache<String, String> deletedInStore =
      Caffeine.newBuilder().maximumSize(RECENTLY_PERSISTED).executor(Runnable::run).build();

  /**
   * Objects this stage deleted while they were not persisted, whose delete is settled
   * (acknowledged): if an API copy shows up after all (a downstream persisted it before it got the
   * delete, and did not know), it is deleted too. Expires after {@link #LATE_COPY_WINDOW}; a new
   * emit of the name clears it.
   */
  private final Cache<String, Boolean> deletedHere =
      Caffeine.newBuilder()
          .maximumSize(RECENTLY_PERSISTED)
          .expireAfterWrite(LATE_COPY_WINDOW)
          .executor(Runnable::run)
          .ticker(this::tickerNanos)
          .build();

  /**
   * A relay's unpersisted inputs that a stored copy superseded (the upstream wrote them through its
   * fallback), with that copy: a write the relay's controller derived from the input before it saw
   * the stored copy is re-applied onto the stored copy (§13.7). Bounded, short-lived.
   */
  private final Cache<String, SupersededInput> supersededInputs =
      Caffeine.newBuilder()
          .maximumSize(RECENTLY_PERSISTED)
          .expireAfterWrite(LATE_COPY_WINDOW)
          .executor(Runnable::run)
          .ticker(this::tickerNanos)
          .build();

  private record SupersededInput(EphemeralEntry input, KubernetesObject stored) {}

  /**
   * Objects an upstream deleted while this stage held them (a relay must not emit them on).
   * Bounded.
   */
  private final Cache<String, Boolean> deletedUpstream =
      Caffeine.newBuilder().maximumSize(RECENTLY_PERSISTED).executor(Runnable::run).build();

  /**
   * Objects the store rejected here, by id, with the reason: later writes of that copy fail at
   * once.
   */
  private final Cache<String, String> rejectedHere =
      Caffeine.newBuilder().maximumSize(RECENTLY_PERSISTED).executor(Runnable::run).build();

  /**
   * Received copies this stage dropped because the store refused them, by source and id, with their
   * version: a repeat of such a copy (a duplicated or resent message that crossed the notice) is
   * not held again. Bounded.
   */
  private final Cache<String, Long> droppedCopies =
      Caffeine.newBuilder().maximumSize(RECENTLY_PERSISTED).executor(Runnable::run).build();

  /**
   * Owners whose objects the API Server rejected for good, by controller uid: new ones fail fast.
   */
  private final Map<String, OwnerRejection> ownerRejections = new HashMap<>();

  /**
   * Notices not yet delivered to an upstream (its link was down), by source stage, then id. Guarded
   * by this.
   */
  final Map<String, Map<String, Notice>> pendingNotices = new HashMap<>();

  private record OwnerRejection(String reason, long untilNanos) {}

  /**
   * Copies this stage's write-back stored of objects it holds in its ephemeral store, until its
   * feed shows them (by id). Guarded by this. See {@link #sweepStoredUnseen}.
   */
  private final Map<String, StoredUnseen> storedUnseen = new HashMap<>();

  private record StoredUnseen(String kind, KubernetesObject stored, long rv) {}

  /** How long a settled delete of an unpersisted object still catches a late API copy of it. */
  static final Duration LATE_COPY_WINDOW = Duration.ofMinutes(5);

  /** How long new objects of an owner fail fast after one of its objects was rejected. */
  static final Duration OWNER_REJECTION_WINDOW = Duration.ofSeconds(1);

  /**
   * An unsolicited notice to an upstream about one object: REJECTED (the store refused it for good)
   * or NOT_FOUND (a copy of an object the store has deleted, so it will not be persisted again).
   */
  record Notice(ObjectRef ref, ErrorCode code, String reason, int sends) {}

  /** The message of STORED notices (one per flush: they group by code and message). */
  static final String STORED_NOTICE = "stored";

  /** Sources a coalesced flush of STORED notices is scheduled for. Guarded by this. */
  private final Set<String> storedFlushes = new HashSet<>();

  /**
   * Held copies (source, object, version) whose upstream was told they are stored: the first stored
   * revision is all it needs (a later write of the same copy, e.g. its status, adds none).
   */
  private final Cache<String, Boolean> toldStored =
      Caffeine.newBuilder().maximumSize(RECENTLY_PERSISTED).executor(Runnable::run).build();

  /**
   * How many times a notice is sent (then again after each ack timeout): the link may lose a
   * message and keep going ("at most once"), and nothing else would ever tell the upstream. A
   * repeat is harmless: a stage drops an entry for a notice only when it is about the version it
   * holds or a later one.
   */
  static final int NOTICE_SENDS = 3;

  private LinkServer server;
  private boolean started;
  volatile boolean closed;

  DefaultStageEngine(Builder b) {
    this.stage = b.stage;
    this.transport = b.transport;
    this.discovery = b.discovery;
    this.scheduler = b.scheduler;
    this.api = b.api;
    this.feed = b.feed;
    this.codec = b.codec;
    this.epochs = b.epochs;
    this.limits = b.limits;
    this.metrics = new EngineMetrics(b.meterRegistry, b.stage.name());
    this.adoption = b.adoption;
    this.listenAddress = b.listen;
    this.requireManagedLabel = b.requireManagedLabel;
    this.policies = Map.copyOf(b.writeBack);
    this.strategies = Map.copyOf(b.strategies);
    stage.receivedKinds().forEach(c -> receivedKinds.add(Kinds.of(c)));
    stage.emittedKinds().forEach(c -> emittedKinds.add(Kinds.of(c)));
    stage.publishedKinds().forEach(c -> publishedKinds.add(Kinds.of(c)));
    this.instance = b.instance;
    this.writeBack =
        new WriteBackQueue(
            api,
            scheduler,
            metrics,
            limits.retryInitial(),
            limits.retryMax(),
            feed,
            limits.createBarrierTimeout(),
            limits.retriesBeforeReport(),
            this::strategy,
            new WriteBackQueue.Listener() {
              @Override
              public void rejected(
                  String kind, KubernetesObject object, WriteResult.Status status, String reason) {
                rejectedByStore(kind, object, reason);
              }

              @Override
              public void retrying(
                  String kind, KubernetesObject object, int retries, String reason) {
                recordEvent(
                    object,
                    object,
                    "WriteBackRetrying",
                    "kubedirect has retried writing this object " + retries + " times: " + reason);
              }
            },
            b.writeBackExecutor);
    if (!publishedKinds.isEmpty()) {
      store.addListener(new PublishListener());
      emittedView.addListener(new PublishListener());
    }
    metrics.gauges(store::size, this::dirtyCount);
    metrics.writeBackGauge(writeBack::pending);
  }

  private static final Map<Envelope.BodyCase, String> BODY_TYPES =
      new EnumMap<>(Envelope.BodyCase.class);

  static {
    for (Envelope.BodyCase c : Envelope.BodyCase.values()) {
      BODY_TYPES.put(c, c.name().toLowerCase(Locale.ROOT));
    }
  }

  /** The metrics tag of an envelope's body, e.g. {@code object_batch}. */
  static String bodyType(Envelope env) {
    return BODY_TYPES.get(env.getBodyCase());
  }

  @Override
  public StageDeclaration stage() {
    return stage;
  }

  @Override
  public EphemeralStore store() {
    return store;
  }

  @Override
  public EphemeralStore emittedView() {
    return emittedView;
  }

  @Override
  public CompletableFuture<Void> recovered() {
    return recovered.thenApply(v -> v);
  }

  /**
   * Whether this stage emits {@code kind} without receiving it (it is the kind's origin: a head
   * stage).
   */
  boolean producesHere(String kind) {
    return emittedKinds.contains(kind) && !receivedKinds.contains(kind);
  }

  /**
   * Shows a dirty entry's latest content in {@link #emittedView} (or hides it). Guarded by this.
   */
  void showOwn(DirtyEntry e) {
    if (!producesHere(e.kind)) {
      return;
    }
    if (e.object == null || e.type == ChangeType.DELETED) {
      emittedView.remove(e.kind, e.key, RemovalReason.LOCAL);
      return;
    }
    if (!emittedView.upsert(
        new EphemeralEntry(stage.name(), e.kind, e.key, e.version, e.object, e.baseRv))) {
      emittedView.replaceLocal(e.kind, e.key, e.object);
    }
  }

  /**
   * Remembers a settled delete of a never-persisted object (see {@link #deletedHere}). Guarded by
   * this.
   */
  void deletedHere(DirtyEntry e) {
    if (e.baseRv == null && !e.persisted) {
      deletedHere.put(e.id(), Boolean.TRUE);
    }
  }

  /** The scheduler's clock, for the caches' expiry (virtual time in the simulation). */
  private long tickerNanos() {
    return scheduler.nanoTime();
  }

  /** Hides an object from {@link #emittedView}: its dirty entry is gone. Guarded by this. */
  void hideOwn(String kind, String key, RemovalReason reason) {
    if (producesHere(kind)) {
      emittedView.remove(kind, key, reason);
    }
  }

  /**
   * Completes {@link #recovered} once every declared downstream stage has a session and every
   * session has had its first snapshot (or is in fallback). Guarded by this.
   */
  void checkRecovered() {
    if (recovered.isDone()) {
      return;
    }
    for (String down : stage.downstreams()) {
      if (upstreamSessions.values().stream().noneMatch(s -> s.destination.equals(down))) {
        return;
      }
    }
    for (UpstreamSession s : upstreamSessions.values()) {
      if (!s.snapshotSeen && !s.fallback) {
        return;
      }
    }
    scheduler.execute(() -> recovered.complete(null));
  }

  @Override
  public EngineMetrics metrics() {
    return metrics;
  }

  @Override
  public synchronized int dirtyCount() {
    return dirty.size();
  }

  @Override
  public synchronized boolean inFallback(PeerAddress address) {
    UpstreamSession s = upstreamSessions.get(address);
    return s != null && s.fallback;
  }

  @Override
  public synchronized Optional<PeerAddress> localAddress() {
    return server == null ? Optional.empty() : Optional.of(server.localAddress());
  }

  /** The write-back policy of {@code kind} at this stage. */
  public WriteBackPolicy policyFor(String kind) {
    WriteBackPolicy p = policies.get(kind);
    if (p != null) {
      return p;
    }
    if (receivedKinds.contains(kind) && !emittedKinds.contains(kind)) {
      return WriteBackPolicy.EAGER;
    }
    return emittedKinds.contains(kind) ? DEFAULT_EMITTED_POLICY : WriteBackPolicy.EAGER;
  }

  /**
   * The source this stage names in its handshakes with subscribers: its name, refined by its
   * instance name.
   */
  String publisherSource() {
    return instance.isEmpty() ? stage.name() : stage.name() + "/" + instance;
  }

  /**
   * Mirrors this stage's held objects of the published kinds (received store, or the emitted view
   * of kinds it only emits) into {@link #published} and to every subscriber session. When a held
   * copy goes because the API Server now shows the object, subscribers get that stored copy (their
   * own informers take over once they show it); any other removal is a delete for them. Runs under
   * the store's lock, which store writers take inside the engine lock.
   */
  private final class PublishListener implements EphemeralStore.Listener {
    @Override
    public void onUpsert(EphemeralEntry e, EphemeralEntry previous) {
      if (publishedKinds.contains(e.kind()) && (e.object() != null)) {
        synchronized (DefaultStageEngine.this) {
          publishChange(e.kind(), e.key(), e.object());
        }
      }
    }

    @Override
    public void onRemove(EphemeralEntry e, RemovalReason reason) {
      if (!publishedKinds.contains(e.kind())) {
        return;
      }
      synchronized (DefaultStageEngine.this) {
        KubernetesObject stored =
            reason == RemovalReason.PERSISTED ? writeBack.observedCopy(e.kind(), e.key()) : null;
        if (stored != null) {
          publishChange(e.kind(), e.key(), stored);
          publishedStored.put(ObjectId.idOf(e.kind(), e.key()), Boolean.TRUE);
        } else {
          publishChange(e.kind(), e.key(), null);
        }
        published.remove(ObjectId.idOf(e.kind(), e.key()));
      }
    }
  }

  /**
   * Objects whose held copy went because the API Server showed them, so subscribers last got the
   * stored copy from this stage (guarded by this, bounded): when the API Server then shows the
   * object deleted, subscribers get the delete too. A subscriber whose informer listed after the
   * delete would otherwise keep that copy, since no newer API copy ever supersedes it.
   */
  private final LruCache<String, Boolean> publishedStored = LruCache.ofEntries(RECENTLY_PERSISTED);

  /** Publishes a change (null: a delete) to every subscriber session. Guarded by this. */
  private void publishChange(String kind, String key, KubernetesObject object) {
    if (closed) {
      return;
    }
    long version = epochs.next();
    if (object != null) {
      published.put(ObjectId.idOf(kind, key), new Published(kind, key, version, object));
    }
    SubscriberSession.Out out = new SubscriberSession.Out(kind, key, version, object);
    for (SubscriberSession s : subscriberSessions.values()) {
      s.publish(out);
    }
  }

  /** Whether this stage is the tail for {@code kind}: it receives the kind and does not emit it. */
  boolean tail(String kind) {
    return receivedKinds.contains(kind) && !emittedKinds.contains(kind);
  }

  /**
   * The write-back policy of received updates of persisted objects at the tail: the kind's policy
   * if one is set ({@link WriteBackPolicy#EXPOSE_ON_RECEIPT} acts as {@link
   * WriteBackPolicy#EAGER}), else lazy (500 ms).
   */
  WriteBackPolicy updatePolicy(String kind) {
    WriteBackPolicy p = policies.get(kind);
    if (p == null) {
      return DEFAULT_EMITTED_POLICY;
    }
    return p.mode() == WriteBackPolicy.Mode.EXPOSE_ON_RECEIPT ? WriteBackPolicy.EAGER : p;
  }

  /**
   * The tail received an update of a persisted object (desired state, e.g. a Deployment's or a
   * ReplicaSet's {@code spec.replicas}) over a link that speaks protocol minor 3: this stage writes
   * it back under {@link #updatePolicy}, coalescing every update received within the window into
   * one write (a conflict re-applies only the change from the update's base). Its informers show
   * the received state until then ({@link #heldForWriteBack}). Guarded by this.
   */
  void receivedUpdate(String kind, String key, KubernetesObject object) {
    String base = ObjectSupport.persistedRv(object);
    if (base == null || !tail(kind) || closed) {
      return;
    }
    WriteBackPolicy p = updatePolicy(kind);
    if (p.mode() == WriteBackPolicy.Mode.NONE) {
      return;
    }
    writeBack
        .submit(kind, WriteOp.UPDATE, object, base, p)
        .whenComplete((stored, ex) -> writtenBack(kind, key, stored, ex));
  }

  /**
   * A write-back of a held update ended. On a permanent failure the update will never be stored:
   * the held copy goes (informers show the API copy again) and its source is told (a REJECTED or
   * NOT_FOUND notice), so no stage keeps it. On success the held copy goes once the feed has shown
   * the written copy and no further write of it is pending (if the write changed nothing, no feed
   * event would drop it).
   */
  private void writtenBack(String kind, String key, KubernetesObject stored, Throwable ex) {
    synchronized (this) {
      String written = stored == null || ex != null ? null : ObjectSupport.persistedRv(stored);
      if (written != null && publishedKinds.contains(kind)) {
        lastWritten.put(ObjectId.idOf(kind, key), written);
      }
      Optional<EphemeralEntry> held = store.get(kind, key);
      if (closed
          || held.isEmpty()
          || subscriptionSources.contains(held.get().source())
          || (held.get().baseResourceVersion() == null && !publishedKinds.contains(kind))) {
        return;
      }
      if (ex != null && held.get().baseResourceVersion() == null) {
        return; // a create's failures have their own handling (rejections)
      }
      if (ex != null) {
        WriteException w = WriteException.of(ex);
        if (w.status() == WriteResult.Status.FAILED || w.status() == WriteResult.Status.NOT_FOUND) {
          log.warn(
              "stage {}: the update of {} {} it received cannot be stored: {}",
              stage.name(),
              kind,
              key,
              w.getMessage());
          forwardNotice(
              kind,
              key,
              w.status() == WriteResult.Status.FAILED ? ErrorCode.REJECTED : ErrorCode.NOT_FOUND,
              String.valueOf(w.getMessage()));
        }
        return;
      }
      Seen seen = recentlyPersisted.get(ObjectId.idOf(kind, key));
      String rv = stored == null ? null : ObjectSupport.persistedRv(stored);
      if (rv != null && seen != null && rv.equals(seen.rv()) && !writeBack.isPending(kind, key)) {
        store.remove(kind, key, RemovalReason.PERSISTED);
      }
    }
  }

  /**
   * Whether the tail keeps showing a held update although the API Server shows a copy that would
   * supersede it: its own write-back of that update is pending and the copy does not carry it
   * (another writer's change, a status write, a stale event). The informers then never fall back to
   * the older state before the update is written. Guarded by this.
   */
  private boolean heldForWriteBack(
      String kind, String key, EphemeralEntry held, KubernetesObject api) {
    if (!tail(kind)) {
      return false;
    }
    if (publishedKinds.contains(kind)) {
      // Subscribers watch the held copy (a pod's readiness): keep it until the store carries all of
      // it, its status
      // included, so they never see an intermediate stored copy (a pod created, its status not
      // written yet), while
      // its write is pending or the feed has not caught up with this stage's latest write of it.
      String written = lastWritten.get(ObjectId.idOf(kind, key));
      String apiRv = ObjectSupport.persistedRv(api);
      boolean behind = written != null && apiRv != null && newerRv(written, apiRv);
      return (writeBack.isPending(kind, key) || behind)
          && !MergePatches.carriesAll(api, held.object());
    }
    return held.baseResourceVersion() != null
        && writeBack.isPending(kind, key)
        && !MergePatches.carries(api, held.object());
  }

  /**
   * Whether a copy the API Server shows supersedes what a publisher sent to this stage as its
   * subscriber: a copy the publisher held unpersisted is superseded by a stored copy that carries
   * all of it (its status included: readiness is what subscribers watch); a copy the publisher saw
   * stored at resourceVersion R by the copy at R or a newer one.
   */
  static boolean observedSupersedes(
      KubernetesObject api, String baseRv, KubernetesObject published) {
    String rv = ObjectSupport.persistedRv(api);
    if (rv == null) {
      return false;
    }
    if (baseRv == null) {
      return MergePatches.carriesAll(api, published);
    }
    return rv.equals(baseRv) || newerRv(rv, baseRv);
  }

  /**
   * Whether resourceVersion {@code a} is newer than {@code b} (numerically; any difference if not
   * numeric).
   */
  static boolean newerRv(String a, String b) {
    try {
      return Long.parseLong(a) > Long.parseLong(b);
    } catch (NumberFormatException e) {
      return !a.equals(b);
    }
  }

  /**
   * Whether a copy a publisher sends to this stage (a subscriber) is already superseded by what the
   * API Server showed here (see {@link #observedSupersedes}).
   */
  synchronized boolean observedSuperseded(String kind, String key, KubernetesObject received) {
    Seen seen = recentlyPersisted.get(ObjectId.idOf(kind, key));
    String base = ObjectSupport.persistedRv(received);
    if (base == null) {
      KubernetesObject api = seen == null ? null : writeBack.observedCopy(kind, key);
      return api != null && MergePatches.carriesAll(api, received);
    }
    return seen != null
        && seen.rv() != null
        && (seen.rv().equals(base) || newerRv(seen.rv(), base));
  }

  /**
   * Creates a newly received object in the persisted store at once when {@code kind} is received
   * and not emitted here and its policy is {@link WriteBackPolicy#EXPOSE_ON_RECEIPT}; otherwise
   * does nothing. The write runs asynchronously on the write-back queue (retries, ambiguous-create
   * barrier included); a failure is only logged, since the stage's own later write persists the
   * object anyway.
   */
  void exposeOnReceipt(String kind, KubernetesObject object) {
    if (closed
        || !receivedKinds.contains(kind)
        || emittedKinds.contains(kind)
        || policyFor(kind).mode() != WriteBackPolicy.Mode.EXPOSE_ON_RECEIPT
        || ObjectSupport.persistedRv(object) != null) {
      return;
    }
    String key = ObjectSupport.key(object);
    EphemeralEntry held = store.get(kind, key).orElse(null);
    writeBack
        .submit(kind, WriteOp.CREATE, object, null, WriteBackPolicy.EAGER)
        .whenComplete(
            (r, ex) -> {
              if (ex != null) {
                log.debug(
                    "stage {}: exposing {} {} on receipt failed: {}",
                    stage.name(),
                    kind,
                    key,
                    ex.toString());
              } else {
                storedByWriteBack(kind, key, r, held);
              }
            });
  }

  // ------------------------------------------------------------------------------------------------------
  // Lifecycle
  // ------------------------------------------------------------------------------------------------------

  @Override
  public void start() {
    synchronized (this) {
      if (started || closed) {
        return;
      }
      started = true;
    }
    Set<String> kinds = new HashSet<>(receivedKinds);
    kinds.addAll(emittedKinds);
    for (String kind : kinds) {
      writeBack.track(kind);
      feed.addListener(
          kind,
          new PersistedObjectFeed.Listener() {
            @Override
            public void onPersisted(KubernetesObject object) {
              DefaultStageEngine.this.onPersisted(kind, object);
            }

            @Override
            public void onDeleted(KubernetesObject object) {
              DefaultStageEngine.this.onDeleted(kind, object);
            }
          });
    }
    if (!stage.upstreams().isEmpty()) {
      LinkServer s = transport.listen(listenAddress, receiverHandler);
      synchronized (this) {
        server = s;
      }
      log.info("stage {} accepting links on {}", stage.name(), s.localAddress());
    }
    if (!stage.downstreams().isEmpty()) {
      // A restarted stage learns what its downstreams hold from their snapshots; bounded by the ack
      // timeout,
      // the time after which an unanswered handshake counts as a broken link anyway.
      scheduler.schedule(() -> recovered.complete(null), limits.ackTimeout());
    } else {
      recovered.complete(null);
    }
    if (!stage.downstreams().isEmpty() || !stage.subscribers().isEmpty()) {
      discovery.addListener(this::connectKnownDownstreams);
      discovery.start();
      connectKnownDownstreams();
    }
  }

  private void connectKnownDownstreams() {
    if (closed) {
      return;
    }
    for (String down : stage.downstreams()) {
      for (PeerAddress a : discovery.addresses(down)) {
        synchronized (this) {
          session(a, down);
        }
      }
    }
    connectSubscribers();
    rerouteFromRetiredPeers();
  }

  /**
   * A session per listed instance of each subscriber stage; sessions of instances no longer listed
   * are closed (their backlog goes with them).
   */
  private void connectSubscribers() {
    List<SubscriberSession> gone = new ArrayList<>();
    synchronized (this) {
      if (closed || stage.subscribers().isEmpty()) {
        return;
      }
      Set<PeerAddress> listed = new HashSet<>();
      for (String sub : stage.subscribers()) {
        for (PeerAddress a : discovery.addresses(sub)) {
          listed.add(a);
          if (!subscriberSessions.containsKey(a)) {
            SubscriberSession s = new SubscriberSession(this, a, sub);
            subscriberSessions.put(a, s);
            scheduler.execute(s::connect);
          }
        }
      }
      subscriberSessions
          .values()
          .removeIf(
              s -> {
                if (!listed.contains(s.address)) {
                  gone.add(s);
                  return true;
                }
                return false;
              });
    }
    gone.forEach(SubscriberSession::close);
  }

  /**
   * The backlog of the subscriber session at {@code address} (for tests), or -1 if there is none.
   */
  synchronized int subscriberBacklog(PeerAddress address) {
    SubscriberSession s = subscriberSessions.get(address);
    return s == null ? -1 : s.backlog();
  }

  /**
   * A downstream address discovery no longer lists (a leader replaced by a standby, a node gone)
   * whose link is not up: its unpersisted objects are routed again at once (to the new address),
   * rather than waiting for the fallback deadline of a link that will not come back. The old
   * address is told to drop them should it come back after all.
   */
  private synchronized void rerouteFromRetiredPeers() {
    if (closed) {
      return;
    }
    Set<PeerAddress> listed = new HashSet<>();
    for (String down : stage.downstreams()) {
      listed.addAll(discovery.addresses(down));
    }
    for (UpstreamSession old : List.copyOf(upstreamSessions.values())) {
      if (listed.contains(old.address) || old.state == UpstreamSession.State.READY) {
        continue;
      }
      for (DirtyEntry e : dirtyFor(old.address)) {
        if (e.awaitingDownstream && e.type == ChangeType.DELETED) {
          // Deleted through the API Server already; the downstream that held it is gone for good.
          old.retract(e.kind, e.key, epochs.next());
          dirty.remove(e.id());
          complete(e.drainWaiters(), e.object, null);
          continue;
        }
        if (e.persisted || e.adopted || e.object == null || e.type == ChangeType.DELETED) {
          continue;
        }
        Route r = route(e.kind, e.object);
        if (r == null || r.address.equals(old.address)) {
          continue;
        }
        long version = epochs.next();
        old.retract(e.kind, e.key, version);
        log.info(
            "{}: {} {} re-routed from {} (no longer listed) to {}",
            stage.name(),
            e.kind,
            e.key,
            old.address,
            r.address);
        e.dest = r.address;
        e.version = version;
        e.ackedVersion = 0;
        UpstreamSession s = session(r.address, r.stage);
        if (s.fallback) {
          fallbackWrite(e);
        } else {
          s.enqueue(e.kind, e.key);
        }
      }
    }
  }

  @Override
  public void close() {
    List<UpstreamSession> ups;
    List<SubscriberSession> subs;
    LinkServer s;
    List<DirtyEntry> entries;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      ups = new ArrayList<>(upstreamSessions.values());
      upstreamSessions.clear();
      subs = new ArrayList<>(subscriberSessions.values());
      subscriberSessions.clear();
      published.clear();
      s = server;
      server = null;
      entries = new ArrayList<>(dirty.values());
      dirty.clear();
      emittedView.clear();
      downstreamSessions.clear();
    }
    ups.forEach(UpstreamSession::close);
    subs.forEach(SubscriberSession::close);
    if (s != null) {
      s.close();
    }
    writeBack.close();
    metrics.close();
    LinkException closedEx = new LinkException(ErrorCode.INTERNAL, "engine closed");
    for (DirtyEntry e : entries) {
      e.waiters.forEach(w -> w.future().completeExceptionally(closedEx));
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Writes
  // ------------------------------------------------------------------------------------------------------

  @Override
  public CompletableFuture<KubernetesObject> write(
      String kind, WriteOp op, KubernetesObject object) {
    if (closed) {
      return CompletableFuture.failedFuture(new LinkException(ErrorCode.INTERNAL, "engine closed"));
    }
    if (ObjectSupport.labelTrue(object, KubeDirectLabels.FALLBACK)
        || (requireManagedLabel && !ObjectSupport.labelTrue(object, KubeDirectLabels.MANAGED))) {
      metrics.fallbackWrite("label");
      return plainWrite(kind, op, object);
    }
    String base = ObjectSupport.persistedRv(object);
    if (op == WriteOp.DELETE && base == null && knownPersisted(kind, object)) {
      base =
          ""; // the caller read it from the emitted view just before its API copy appeared: delete
      // that
    }
    if (op == WriteOp.DELETE && base != null) {
      String key = ObjectSupport.key(object);
      synchronized (this) {
        store.remove(kind, key, RemovalReason.LOCAL);
      }
      return plainWrite(kind, op, object);
    }
    if (op != WriteOp.DELETE && base == null && receivedKinds.contains(kind)) {
      String key = ObjectSupport.key(object);
      if (deletedUpstream.getIfPresent(ObjectId.idOf(kind, key)) != null
          && store.get(kind, key).isEmpty()) {
        // A late write of an input the upstream deleted meanwhile (the controller read its informer
        // just
        // before): sending it on, or persisting it at the tail, would resurrect it.
        return CompletableFuture.failedFuture(
            new WriteException(
                WriteResult.Status.NOT_FOUND, kind + " " + key + " was deleted upstream"));
      }
    }
    if (emittedKinds.contains(kind) && !stage.downstreams().isEmpty()) {
      return emit(kind, op, object);
    }
    if (receivedKinds.contains(kind)) {
      String key = ObjectSupport.key(object);
      String rejected = base == null ? rejectedHere.getIfPresent(ObjectId.idOf(kind, key)) : null;
      if (rejected != null && store.get(kind, key).isEmpty()) {
        // The store refused this object for good; the stage's later writes of its copy would be
        // refused too.
        return CompletableFuture.failedFuture(
            new WriteException(WriteResult.Status.FAILED, rejected));
      }
      boolean ephemeral =
          store.get(kind, key).isPresent() || base == null || writeBack.isPending(kind, key);
      if (ephemeral) {
        return persist(kind, op, object, policyFor(kind));
      }
    }
    return plainWrite(kind, op, object);
  }

  @Override
  public CompletableFuture<KubernetesObject> persist(
      String kind, WriteOp op, KubernetesObject object, WriteBackPolicy policy) {
    String key = ObjectSupport.key(object);
    if (op == WriteOp.UPDATE_STATUS) {
      // A status write at the tail of an object whose received update is held: the status is the
      // stage's, the
      // rest is the received desired state (the controller may have read the older API copy).
      Optional<EphemeralEntry> held = store.get(kind, key);
      if (held.isPresent()
          && held.get().baseResourceVersion() != null
          && !subscriptionSources.contains(held.get().source())
          && ObjectSupport.status(object) != null) {
        object = ObjectSupport.withStatusOf(held.get().object(), object);
      }
    }
    EphemeralEntry received = store.get(kind, key).orElse(null);
    synchronized (this) {
      if (op == WriteOp.DELETE) {
        store.remove(kind, key, RemovalReason.LOCAL);
      } else {
        store.replaceLocal(kind, key, object);
      }
    }
    if (policy.mode() == WriteBackPolicy.Mode.NONE) {
      return CompletableFuture.completedFuture(object);
    }
    CompletableFuture<KubernetesObject> f =
        writeBack.submit(kind, op, object, ObjectSupport.persistedRv(object), policy);
    if (op != WriteOp.DELETE) {
      f.whenComplete(
          (stored, ex) -> {
            if (ex == null) {
              storedByWriteBack(kind, key, stored, received);
            }
            if (publishedKinds.contains(kind)) {
              writtenBack(kind, key, stored, ex);
            }
          });
    }
    return f;
  }

  @Override
  public CompletableFuture<KubernetesObject> emit(
      String kind, WriteOp op, KubernetesObject object) {
    String key = ObjectSupport.key(object);
    String base = ObjectSupport.persistedRv(object);
    ChangeType type =
        switch (op) {
          case CREATE -> ChangeType.ADDED;
          case UPDATE, UPDATE_STATUS -> ChangeType.MODIFIED;
          case DELETE -> ChangeType.DELETED;
        };
    Route route = route(kind, object);
    CompletableFuture<KubernetesObject> f = new CompletableFuture<>();
    CompletableFuture<KubernetesObject> ownCopyGone = null;
    synchronized (this) {
      if (closed) {
        f.completeExceptionally(new LinkException(ErrorCode.INTERNAL, "engine closed"));
        return f;
      }
      String id = ObjectId.idOf(kind, key);
      DirtyEntry e = dirty.get(id);
      if (e == null) {
        if (type == ChangeType.DELETED) {
          // Nothing to retract downstream: never sent, or persisted and dropped. In the second
          // case the caller's write() found no API copy a moment ago and the feed showed it since:
          // delete exactly that copy, or the delete completes and the object stays.
          store.remove(kind, key, RemovalReason.LOCAL);
          if (base != null) {
            return plainWrite(kind, WriteOp.DELETE, object);
          }
          Seen seen = recentlyPersisted.get(id);
          if (seen != null && seen.uid() != null) {
            KubernetesObject persisted = ObjectId.of(kind, key).stub();
            persisted.getMetadata().resourceVersion(seen.rv()).uid(seen.uid());
            return plainWrite(kind, WriteOp.DELETE, persisted);
          }
          f.complete(object);
          return f;
        }
        String rejection = type == ChangeType.ADDED && base == null ? ownerRejection(object) : null;
        if (rejection != null) {
          metrics.rejected("owner");
          f.completeExceptionally(new WriteException(WriteResult.Status.FAILED, rejection));
          return f;
        }
        if (dirty.size() >= limits.maxDirtyObjects()) {
          f.completeExceptionally(
              new LinkException(
                  ErrorCode.OVERLOADED,
                  "stage " + stage.name() + " tracks " + dirty.size() + " unpersisted objects"));
          return f;
        }
        e = new DirtyEntry(kind, key, scheduler.nanoTime());
        dirty.put(id, e);
      }
      if (type != ChangeType.DELETED) {
        deletedHere.invalidate(id);
      }
      long version = epochs.next();
      if (type == ChangeType.DELETED
          && e.dest != null
          && !e.persisted
          && upstreamSessions.containsKey(e.dest)) {
        // A delete goes where the object is held, whatever its routing key resolves to now (a pod
        // adopted from a
        // relay's snapshot carries the node the relay bound it to, which may resolve elsewhere or
        // nowhere).
        route = new Route(upstreamSessions.get(e.dest).destination, e.dest);
      }
      PeerAddress dest = route == null ? null : route.address;
      if (e.dest != null && !e.dest.equals(dest) && !e.persisted) {
        UpstreamSession old = upstreamSessions.get(e.dest);
        if (old != null) {
          old.retract(kind, key, version);
        }
      }
      if (e.type == ChangeType.ADDED
          && type == ChangeType.MODIFIED
          && e.ackedVersion == 0
          && !e.persisted) {
        type = ChangeType.ADDED; // the downstream has not seen it yet
      }
      SupersededInput late =
          base == null && type != ChangeType.DELETED && receivedKinds.contains(kind)
              ? supersededInputs.getIfPresent(id)
              : null;
      if (late != null && ObjectSupport.persistedRv(late.stored()) != null) {
        // Derived from an input the stored copy has superseded meanwhile (the upstream's fallback
        // wrote it):
        // send the change as an update of the stored copy, or nothing if the stored copy carries
        // it.
        if (MergePatches.reflects(late.input().object(), object, late.stored())) {
          if (e.version == 0) {
            dirty.remove(id);
          }
          f.complete(late.stored());
          return f;
        }
        KubernetesObject rebased =
            MergePatches.rebase(late.input().object(), object, late.stored());
        if (rebased != null) {
          log.info(
              "{}: {} {} was derived from a copy stored since (written upstream through the API Server); "
                  + "sending it as an update of rv {}",
              stage.name(),
              kind,
              key,
              ObjectSupport.persistedRv(late.stored()));
          metrics.fallbackWrite("rebased");
          object = rebased;
          base = ObjectSupport.persistedRv(late.stored());
          type = ChangeType.MODIFIED;
          // Shown to this stage's informers as its own (not the upstream's: its handshake must not
          // retract it).
          store.upsert(new EphemeralEntry(stage.name(), kind, key, e.version + 1, rebased, base));
        }
      }
      if (e.derivedFrom == null
          && base == null
          && type != ChangeType.DELETED
          && receivedKinds.contains(kind)) {
        // A relay's first write of an unpersisted input: remember what its change applies to.
        e.derivedFrom =
            store
                .get(kind, key)
                .filter(en -> en.baseResourceVersion() == null)
                .map(EphemeralEntry::object)
                .orElse(null);
      } else if (base != null) {
        e.derivedFrom =
            late != null && base.equals(ObjectSupport.persistedRv(late.stored()))
                ? late.stored()
                : null;
      }
      e.object = object;
      e.adopted = false;
      e.awaitingDownstream = false;
      e.version = version;
      e.type = type;
      e.baseRv = base;
      e.dest = dest;
      e.persisted = false;
      showOwn(e);
      e.waiters.add(new DirtyEntry.Waiter(version, f));
      if (type == ChangeType.DELETED) {
        store.remove(kind, key, RemovalReason.LOCAL);
      } else {
        store.replaceLocal(kind, key, object);
      }
      if (route == null) {
        metrics.fallbackWrite("unrouted");
        fallbackWrite(e);
      } else {
        UpstreamSession s = session(route.address, route.stage);
        // A delete while the link is coming back (its handshake resent what the downstream lacks
        // and awaits the
        // confirm) goes over the link: through the API Server it would find nothing to delete and
        // complete while
        // the downstream holds the copy just resent (seed 8969).
        boolean resuming =
            type == ChangeType.DELETED && s.state == UpstreamSession.State.HANDSHAKE2;
        boolean overLink = !s.fallback || resuming;
        if (type == ChangeType.DELETED
            && overLink
            && (s.fallback || writeBack.isPending(kind, key))) {
          // This stage's own write of it through the API Server stops too (a copy it made is
          // deleted by uid): the link may have come back while a fallback create was still
          // pending (seed 1377).
          ownCopyGone = writeBack.retract(kind, ObjectId.of(kind, key).stub());
        }
        if (s.fallback && !resuming) {
          metrics.fallbackWrite("link-down");
          fallbackWrite(e);
        } else {
          s.enqueue(kind, key);
        }
      }
    }
    return ownCopyGone == null
        ? f
        : f.thenCombine(ownCopyGone.exceptionally(ex -> null), (a, b) -> a);
  }

  private record Route(String stage, PeerAddress address) {}

  private Route route(String kind, KubernetesObject object) {
    String rk = strategy(kind).routingKey(object);
    for (String down : stage.downstreams()) {
      Optional<PeerAddress> a = discovery.resolve(down, rk == null ? "" : rk);
      if (a.isPresent()) {
        return new Route(down, a.get());
      }
    }
    return null;
  }

  /** The strategy of {@code kind}: the registered one, else the built-in default. */
  KindStrategy<KubernetesObject> strategy(String kind) {
    KindStrategy<KubernetesObject> s = strategies.get(kind);
    return s != null ? s : DefaultKindStrategies.forKind(kind);
  }

  /** Guarded by this. */
  UpstreamSession session(PeerAddress address, String downstreamStage) {
    UpstreamSession s = upstreamSessions.get(address);
    if (s == null) {
      s = new UpstreamSession(this, address, downstreamStage);
      upstreamSessions.put(address, s);
      scheduler.execute(s::connect);
    }
    return s;
  }

  /**
   * Writes a dirty entry through the API Server (its link is down or it has no route). Guarded by
   * this.
   */
  void fallbackWrite(DirtyEntry e) {
    if (e.object == null || e.adopted) {
      return; // adopted: the downstream holds it and will persist it
    }
    KubernetesObject obj = e.object;
    long version = e.version;
    WriteOp op =
        switch (e.type) {
          case DELETED -> WriteOp.DELETE;
          default -> e.baseRv == null ? WriteOp.CREATE : WriteOp.UPDATE;
        };
    if (op == WriteOp.DELETE) {
      e.apiDeleteVersion = version;
    }
    writeBack
        .submit(e.kind, op, obj, e.baseRv, WriteBackPolicy.EAGER)
        .whenComplete(
            (stored, ex) -> {
              List<DirtyEntry.Waiter> done = new ArrayList<>();
              Throwable failure = ex;
              synchronized (this) {
                DirtyEntry cur = dirty.get(e.id());
                if (cur != e) {
                  return;
                }
                if (op == WriteOp.DELETE && e.apiDeleteVersion == version) {
                  e.apiDeleteVersion = 0;
                  if (ex != null
                      && e.type == ChangeType.DELETED
                      && e.version == version
                      && e.ackedVersion >= version) {
                    dirty.remove(e.id()); // the downstream dropped it; the API keeps its copy
                  }
                }
                if (op == WriteOp.CREATE
                    && e.version == version
                    && ex != null
                    && WriteException.of(ex).status() == WriteResult.Status.FAILED) {
                  // The API Server refused the fallback create for good: the same as a REJECTED
                  // notice.
                  String reason = WriteException.of(ex).getMessage();
                  metrics.rejected("store");
                  UpstreamSession s = e.dest == null ? null : upstreamSessions.get(e.dest);
                  if (s != null) {
                    // The link may have come back while this write ran, and its handshake resent
                    // the object: take that
                    // copy back too, or the downstream keeps trying to persist an object dropped
                    // here.
                    s.retract(e.kind, e.key, epochs.next());
                  }
                  dropRejected(e, ErrorCode.REJECTED, reason);
                  recordEvent(obj, ownerOrSelf(obj), "FailedCreate", "Error creating: " + reason);
                  return;
                }
                if (ex == null
                    && op == WriteOp.DELETE
                    && e.version == version
                    && e.sentDown
                    && e.ackedVersion < version
                    && e.dest != null
                    && upstreamSessions.containsKey(e.dest)) {
                  // The API holds no copy now, but the downstream this stage sent the object to may
                  // still persist its own (it is cut off, not gone): the delete completes when the
                  // downstream takes it (the link's handshake sends it again), or when a copy it
                  // persisted meanwhile is deleted (onPersisted). Until then the entry is the
                  // tombstone (headPartition seed 744).
                  e.awaitingDownstream = true;
                  deletedHere(e);
                  takeWaiters(e, version - 1, done);
                  complete(done, obj, null);
                  return;
                }
                if (ex == null) {
                  if (e.type == ChangeType.DELETED && e.version == version) {
                    // A downstream the retraction never reached may still persist it: delete such a
                    // late copy too.
                    deletedHere(e);
                    dirty.remove(e.id());
                  }
                  if (e.version == version) {
                    e.persisted = true;
                  }
                  takeWaiters(e, version, done);
                } else {
                  takeWaiters(e, version, done);
                }
              }
              complete(done, stored != null ? stored : obj, failure);
            });
  }

  /** Removes the waiters of {@code e} with version at most {@code version}. Guarded by this. */
  static void takeWaiters(DirtyEntry e, long version, List<DirtyEntry.Waiter> out) {
    e.waiters.removeIf(
        w -> {
          if (w.version() <= version) {
            out.add(w);
            return true;
          }
          return false;
        });
  }

  /** Completes futures on a scheduler task, outside any lock. */
  void complete(List<DirtyEntry.Waiter> waiters, KubernetesObject value, Throwable failure) {
    if (waiters.isEmpty()) {
      return;
    }
    scheduler.execute(
        () -> {
          for (DirtyEntry.Waiter w : waiters) {
            if (failure != null) {
              w.future().completeExceptionally(failure);
            } else {
              w.future().complete(value);
            }
          }
        });
  }

  /** The downstream at {@code from} acknowledged {@code version} of an object. Guarded by this. */
  void acked(String kind, String key, long version, PeerAddress from) {
    DirtyEntry e = dirty.get(ObjectId.idOf(kind, key));
    if (e == null || !from.equals(e.dest)) {
      return;
    }
    e.ackedVersion = Math.max(e.ackedVersion, version);
    UpstreamSession s = upstreamSessions.get(from);
    if (e.baseRv != null
        && e.type != ChangeType.DELETED
        && e.object != null
        && !e.adopted
        && s != null
        && s.linkMinor() < 3
        && policyFor(kind).mode() == WriteBackPolicy.Mode.LAZY) {
      // A downstream below protocol minor 3 does not write back updates it receives: this stage
      // does, lazily.
      String k = key;
      writeBack
          .submit(kind, WriteOp.UPDATE, e.object, e.baseRv, policyFor(kind))
          .whenComplete(
              (r, ex) -> {
                if (ex != null) {
                  log.warn("lazy write-back of {} {} failed: {}", kind, k, ex.toString());
                }
              });
    }
    List<DirtyEntry.Waiter> done = new ArrayList<>();
    // A delete also being written through the API Server (the link came back meanwhile) completes
    // with that write: until then the API may still store the object (headPartition seed 331).
    long settled =
        e.apiDeleteVersion == 0 ? e.ackedVersion : Math.min(e.ackedVersion, e.apiDeleteVersion - 1);
    takeWaiters(e, settled, done);
    if (e.type == ChangeType.DELETED && settled >= e.version) {
      dirty.remove(e.id());
      deletedHere(e);
    }
    complete(done, e.object, null);
  }

  /** A batch was rejected for good: drop its objects and fail their futures. Guarded by this. */
  void failed(String kind, String key, PeerAddress from, LinkException cause) {
    DirtyEntry e = dirty.get(ObjectId.idOf(kind, key));
    if (e == null || !from.equals(e.dest)) {
      return;
    }
    dirty.remove(e.id());
    hideOwn(kind, key, RemovalReason.LOCAL);
    complete(e.drainWaiters(), null, cause);
  }

  /**
   * Adopts an object a downstream holds after this stage restarted, with its content when the
   * snapshot carried it (then the emitted view shows it). Guarded by this.
   */
  void adopt(ObjectRef ref, PeerAddress dest, KubernetesObject content) {
    DirtyEntry e = new DirtyEntry(ref.getKind(), Kinds.key(ref), scheduler.nanoTime());
    e.version = ref.getVersion();
    e.ackedVersion = ref.getVersion();
    e.type = ChangeType.ADDED;
    e.dest = dest;
    e.adopted = true;
    e.sentDown = true;
    e.object = content;
    e.baseRv = content == null ? null : ObjectSupport.persistedRv(content);
    dirty.put(e.id(), e);
    showOwn(e);
  }

  /** Entries routed to {@code dest}. Guarded by this. */
  List<DirtyEntry> dirtyFor(PeerAddress dest) {
    List<DirtyEntry> out = new ArrayList<>();
    for (DirtyEntry e : dirty.values()) {
      if (dest.equals(e.dest)) {
        out.add(e);
      }
    }
    return out;
  }

  private CompletableFuture<KubernetesObject> plainWrite(
      String kind, WriteOp op, KubernetesObject object) {
    CompletableFuture<KubernetesObject> f = new CompletableFuture<>();
    BackoffPolicy backoff = limits.retryBackoff().get();
    scheduler.execute(() -> plainAttempt(kind, op, object, f, backoff));
    return f;
  }

  /**
   * An update through the API Server; a change the kind stores only through a subresource (a pod's
   * {@code spec.nodeName}: its binding) is written that way first, then the rest of the update if
   * the stored copy does not carry it yet. The fallback for a labelled object (or a link past its
   * deadline) of a relay such as a scheduler needs it: the API Server refuses a pod update that
   * sets the node.
   */
  private WriteResult updateThroughSubresources(String kind, KubernetesObject object) {
    KindStrategy<KubernetesObject> strategy = strategy(kind);
    var meta = object.getMetadata();
    if (strategy == KindStrategies.generic()) {
      return api.update(kind, object);
    }
    Optional<KubernetesObject> stored = api.get(kind, meta.getNamespace(), meta.getName());
    KindStrategy.SubresourceWrite w =
        stored.map(st -> strategy.subresourceWrite(object, st)).orElse(null);
    if (w == null) {
      return api.update(kind, object);
    }
    WriteResult r =
        api.createSubresource(kind, meta.getNamespace(), meta.getName(), w.subresource(), w.body());
    if (r.status() != WriteResult.Status.OK) {
      return r;
    }
    Optional<KubernetesObject> after = api.get(kind, meta.getNamespace(), meta.getName());
    if (after.isEmpty()) {
      return WriteResult.of(
          WriteResult.Status.NOT_FOUND, "gone after its " + w.subresource() + " was written");
    }
    if (MergePatches.carries(after.get(), object)) {
      return WriteResult.ok(after.get());
    }
    KubernetesObject rest = ObjectSupport.deepCopy(object);
    rest.getMetadata().setResourceVersion(after.get().getMetadata().getResourceVersion());
    return api.update(kind, rest);
  }

  private void plainAttempt(
      String kind,
      WriteOp op,
      KubernetesObject object,
      CompletableFuture<KubernetesObject> f,
      BackoffPolicy backoff) {
    if (closed) {
      f.completeExceptionally(new WriteException(WriteResult.Status.FAILED, "engine closed"));
      return;
    }
    WriteResult r;
    try {
      r =
          switch (op) {
            case CREATE -> api.create(kind, object);
            case UPDATE -> updateThroughSubresources(kind, object);
            case UPDATE_STATUS -> api.updateStatus(kind, object);
            case DELETE ->
                api.delete(
                    kind,
                    object.getMetadata().getNamespace(),
                    object.getMetadata().getName(),
                    persistedUid(object));
          };
    } catch (RuntimeException ex) {
      r = WriteResult.of(WriteResult.Status.RETRYABLE_FAILURE, ex.toString());
    }
    if (r.status() == WriteResult.Status.OK
        || (op == WriteOp.DELETE
            && r.status() == WriteResult.Status.CONFLICT
            && persistedUid(object) != null)) {
      // (a delete whose uid precondition failed: that incarnation is gone, another one holds the
      // name)
      f.complete(r.object() != null ? r.object() : object);
    } else if (r.status() == WriteResult.Status.RETRYABLE_FAILURE && op == WriteOp.CREATE) {
      // The create may have committed (a timeout after commit): retrying it blindly could resurrect
      // an object
      // deleted meanwhile. Like a plain client-java call, report it and let the caller's reconcile
      // decide.
      metrics.writeBackFailure(r.status().name());
      f.completeExceptionally(
          new WriteException(r.status(), "create outcome unknown: " + r.message()));
    } else if (r.status() == WriteResult.Status.RETRYABLE_FAILURE) {
      metrics.writeBackFailure(r.status().name());
      scheduler.schedule(() -> plainAttempt(kind, op, object, f, backoff), backoff.nextBackoff());
    } else {
      f.completeExceptionally(new WriteException(r.status(), r.message()));
    }
  }

  // ------------------------------------------------------------------------------------------------------
  // Persisted feed
  // ------------------------------------------------------------------------------------------------------

  void onPersisted(String kind, KubernetesObject object) {
    String key;
    try {
      key = ObjectSupport.key(object);
    } catch (IllegalArgumentException e) {
      return;
    }
    List<DirtyEntry.Waiter> done = List.of();
    synchronized (this) {
      String id = ObjectId.idOf(kind, key);
      storedUnseen.remove(id);
      recentlyPersisted.put(
          id,
          new Seen(
              object.getMetadata().getResourceVersion(),
              object.getMetadata().getGeneration(),
              object.getMetadata().getUid()));
      deletedInStore.invalidate(id);
      String owner = controllerUid(object);
      if (owner != null) {
        ownerRejections.remove(owner);
      }
      DirtyEntry e = dirty.get(id);
      if (e != null && rebaseOnPersisted(e, object)) {
        return;
      }
      store
          .get(kind, key)
          .ifPresent(
              en -> {
                boolean superseded =
                    subscriptionSources.contains(en.source())
                        ? observedSupersedes(object, en.baseResourceVersion(), en.object())
                        : ObjectSupport.supersedes(object, en.baseResourceVersion(), en.object())
                            && !heldForWriteBack(kind, key, en, object);
                if (superseded) {
                  store.remove(kind, key, RemovalReason.PERSISTED);
                  if (en.baseResourceVersion() == null
                      && emittedKinds.contains(kind)
                      && !stage.downstreams().isEmpty()) {
                    supersededInputs.put(id, new SupersededInput(en, object));
                  }
                }
              });
      if (e == null && deletedHere.getIfPresent(id) != null) {
        // Deleted here before anyone persisted it, and persisted anyway by a stage the delete did
        // not reach
        // (e.g. one that restarted and no longer knew the object): delete exactly that copy.
        deletedHere.invalidate(id);
        writeBack.submit(
            kind, WriteOp.DELETE, object, ObjectSupport.persistedRv(object), WriteBackPolicy.EAGER);
        return;
      }
      if (e != null && e.type == ChangeType.DELETED) {
        // This stage deleted the object before it was persisted, and a downstream persisted it
        // anyway (the
        // retraction was still on its way): the delete wins. Delete exactly that copy; the
        // tombstone stays
        // until the feed shows it gone, so the delete's future completes only then.
        deletePersistedCopy(e, object);
        return;
      }
      if (e != null && ObjectSupport.supersedes(object, e.baseRv, e.object)) {
        if (log.isDebugEnabled()) {
          log.debug(
              "{}: {} {} persisted at rv {} (entry base {}, derivedFrom {}, acked {}/{})",
              stage.name(),
              kind,
              key,
              ObjectSupport.persistedRv(object),
              e.baseRv,
              e.derivedFrom != null,
              e.ackedVersion,
              e.version);
        }
        dirty.remove(id);
        hideOwn(kind, key, RemovalReason.PERSISTED);
        done = e.drainWaiters();
        metrics.writeBackLag(Duration.ofNanos(Math.max(0, scheduler.nanoTime() - e.firstNanos)));
      }
    }
    complete(done, object, null);
  }

  /**
   * A relay's unpersisted change of an unpersisted input, and the API Server now shows a copy
   * without that change: the upstream wrote its input through the API Server (its link here was
   * down past the fallback deadline) while this stage had already changed it (a scheduler bound the
   * pod) and sent it on. Dropping the change would leave the stored copy without it (an unbound pod
   * nobody binds again: fault matrix class C); instead the change is re-applied onto the stored
   * copy (merge patch, as for conflicts) and sent on again as an update of it, which the tail
   * writes back (a pod through its binding). True if rebased. Guarded by this.
   */
  private boolean rebaseOnPersisted(DirtyEntry e, KubernetesObject stored) {
    if (e.derivedFrom == null
        || e.object == null
        || e.type == ChangeType.DELETED
        || e.persisted
        || e.adopted) {
      return false;
    }
    if (Objects.equals(e.baseRv, ObjectSupport.persistedRv(stored))
        || MergePatches.reflects(e.derivedFrom, e.object, stored)) {
      return false; // persisted with this stage's change (the downstream wrote it back): done as
      // usual
    }
    KubernetesObject rebased = MergePatches.rebase(e.derivedFrom, e.object, stored);
    if (rebased == null) {
      return false;
    }
    String storedRv = ObjectSupport.persistedRv(stored);
    log.info(
        "{}: {} {} was stored without this stage's change (written upstream through the API Server); "
            + "re-applying it onto rv {}",
        stage.name(),
        e.kind,
        e.key,
        storedRv);
    metrics.fallbackWrite("rebased");
    Optional<EphemeralEntry> held = store.get(e.kind, e.key);
    e.derivedFrom = stored;
    e.object = rebased;
    e.baseRv = storedRv;
    e.version = epochs.next();
    e.type = ChangeType.MODIFIED;
    if (held.isPresent()) {
      // Shown to this stage's informers as its own, not as the upstream's input: the upstream's
      // next handshake
      // must not retract it (the upstream no longer tracks the object it persisted). Replaced in
      // one step: in a
      // gap the informers would show the stored copy, and the controller would place the pod a
      // second time.
      store.upsert(new EphemeralEntry(stage.name(), e.kind, e.key, e.version, rebased, storedRv));
    }
    showOwn(e);
    UpstreamSession s = e.dest == null ? null : upstreamSessions.get(e.dest);
    if (s == null || s.fallback) {
      fallbackWrite(e);
    } else {
      s.enqueue(e.kind, e.key);
    }
    return true;
  }

  /**
   * This stage's write-back stored {@code stored} for an object it holds in its ephemeral store
   * ({@code received}: the copy it held from its upstream when it wrote, or null): until the feed
   * shows that copy (or a later one, or its deletion), {@link #sweepStoredUnseen} watches for a
   * feed that passes its revision without showing it. The upstream is told the revision (a {@code
   * STORED} notice), since its feed may miss the copy the same way.
   */
  private void storedByWriteBack(
      String kind, String key, KubernetesObject stored, EphemeralEntry received) {
    long rv = storedRv(stored);
    if (rv < 0) {
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      if (received != null) {
        tellUpstreamStored(received, rv);
      }
      if (store.get(kind, key).isPresent()) {
        watchForUnseen(kind, key, stored, rv);
      }
    }
  }

  /** The revision a write stored {@code stored} at, or -1 (no uid or no numeric revision). */
  private static long storedRv(KubernetesObject stored) {
    if (stored == null || stored.getMetadata() == null || stored.getMetadata().getUid() == null) {
      return -1;
    }
    try {
      return Long.parseLong(stored.getMetadata().getResourceVersion());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /**
   * Until the feed shows {@code kind}/{@code key} at {@code rv} or later, {@link
   * #sweepStoredUnseen} watches for a feed that passes {@code rv} without showing it. Guarded by
   * this.
   */
  private void watchForUnseen(String kind, String key, KubernetesObject copy, long rv) {
    String id = ObjectId.idOf(kind, key);
    Seen seen = recentlyPersisted.get(id);
    if (seen != null && seen.rv() != null && !newerRv(String.valueOf(rv), seen.rv())) {
      return; // the feed showed this copy, or a later one, already
    }
    boolean first = storedUnseen.isEmpty();
    storedUnseen.put(id, new StoredUnseen(kind, copy, rv));
    if (first) {
      scheduler.schedule(this::sweepStoredUnseen, limits.ackTimeout());
    }
  }

  /**
   * Tells the stage {@code held} came from that it is stored at {@code rv} (nothing for this
   * stage's own copies). Guarded by this.
   */
  private void tellUpstreamStored(EphemeralEntry held, long rv) {
    tellStored(held.source(), held.kind(), held.key(), held.version(), rv);
  }

  /**
   * Queues a {@code STORED} notice for {@code source} about version {@code version} of an object,
   * stored at {@code rv}; once per copy. Guarded by this.
   */
  private void tellStored(String source, String kind, String key, long version, long rv) {
    if (source.equals(stage.name()) || subscriptionSources.contains(source)) {
      return;
    }
    String id = ObjectId.idOf(kind, key);
    if (toldStored.asMap().putIfAbsent(source + "|" + id + "|" + version, Boolean.TRUE) != null) {
      return;
    }
    ObjectRef ref = refOf(kind, key, version).setStoredResourceVersion(String.valueOf(rv)).build();
    Map<String, Notice> pending =
        pendingNotices.computeIfAbsent(source, s -> new LinkedHashMap<>());
    // Never in place of a pending REJECTED or NOT_FOUND notice of the same object.
    pending.putIfAbsent(id, new Notice(ref, ErrorCode.STORED, STORED_NOTICE, NOTICE_SENDS - 1));
    if (storedFlushes.add(source)) {
      // Coalesced: the write-backs of a burst complete close together; one frame carries them.
      scheduler.execute(
          () -> {
            synchronized (this) {
              storedFlushes.remove(source);
              if (!closed) {
                receiverHandler.flushNotices(source);
              }
            }
          });
    }
  }

  /**
   * A copy {@code source} sent (version {@code version}) that the API Server's stored copy
   * supersedes, so it is not held here: tell the source at which revision it is stored, since its
   * own feed may have missed that copy. Guarded by this.
   */
  void receivedStoredAlready(String source, String kind, String key, long version) {
    Seen seen = recentlyPersisted.get(ObjectId.idOf(kind, key));
    if (seen == null || seen.rv() == null) {
      return;
    }
    try {
      tellStored(source, kind, key, version, Long.parseLong(seen.rv()));
    } catch (NumberFormatException e) {
      // a store without numeric revisions: nothing to compare a feed against
    }
  }

  /**
   * A downstream ({@code from}) stored an object this stage sent it, at {@code rv}: if this stage
   * still tracks it, watch the feed for it as for a copy of its own, and tell its own upstream.
   * Guarded by this.
   */
  void storedDownstream(String kind, String key, long version, String rv, PeerAddress from) {
    DirtyEntry e = dirty.get(ObjectId.idOf(kind, key));
    long stored;
    try {
      stored = Long.parseLong(rv);
    } catch (NumberFormatException ex) {
      return;
    }
    if (e == null
        || !from.equals(e.dest)
        || e.type == ChangeType.DELETED
        || version < e.version
        || e.object == null) {
      return;
    }
    watchForUnseen(kind, key, e.object, stored);
    store.get(kind, key).ifPresent(held -> tellUpstreamStored(held, stored));
  }

  /**
   * A copy this stage stored that its feed has passed the revision of without showing it, nor any
   * later change of the name, was deleted while the feed was not watching (an informer that relists
   * after a watch gap, e.g. an API Server restart, shows neither the create nor the delete).
   * Nothing would ever supersede the copy this stage holds: it is handled as the deletion it was.
   */
  private void sweepStoredUnseen() {
    List<StoredUnseen> gone = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      for (Iterator<StoredUnseen> it = storedUnseen.values().iterator(); it.hasNext(); ) {
        StoredUnseen u = it.next();
        String key = ObjectSupport.key(u.stored());
        if (store.get(u.kind(), key).isEmpty()
            && !dirty.containsKey(ObjectId.idOf(u.kind(), key))) {
          it.remove(); // nothing of it is held or tracked here any more
        } else {
          OptionalLong observed = feed.observedRevision(u.kind());
          if (observed.isPresent() && observed.getAsLong() >= u.rv()) {
            gone.add(u);
            it.remove();
          }
        }
      }
      if (!storedUnseen.isEmpty()) {
        scheduler.schedule(this::sweepStoredUnseen, limits.ackTimeout());
      }
    }
    for (StoredUnseen u : gone) {
      String key = ObjectSupport.key(u.stored());
      synchronized (this) {
        Seen seen = recentlyPersisted.get(ObjectId.idOf(u.kind(), key));
        if (seen != null && seen.rv() != null && !newerRv(String.valueOf(u.rv()), seen.rv())) {
          continue; // the feed showed it after all, since the check above
        }
        // The stages upstream missed the same events (one API Server restart): tell them, hop by
        // hop, as for a copy the store deleted, or their entries of it would stay too.
        forwardNotice(
            u.kind(), key, ErrorCode.NOT_FOUND, u.kind() + " " + key + " was deleted in the store");
      }
      log.info(
          "stage {}: {} {} was stored at rv {} and deleted while the feed was not watching (it is past that"
              + " revision and never showed it): dropping the copy held here",
          stage.name(),
          u.kind(),
          key,
          u.rv());
      onDeleted(u.kind(), u.stored());
    }
  }

  void onDeleted(String kind, KubernetesObject object) {
    String key;
    try {
      key = ObjectSupport.key(object);
    } catch (IllegalArgumentException e) {
      return;
    }
    List<DirtyEntry.Waiter> done = List.of();
    synchronized (this) {
      storedUnseen.remove(ObjectId.idOf(kind, key));
      lastWritten.remove(ObjectId.idOf(kind, key));
      recentlyPersisted.remove(ObjectId.idOf(kind, key));
      String uid = object.getMetadata() == null ? null : object.getMetadata().getUid();
      deletedInStore.put(ObjectId.idOf(kind, key), uid == null ? "" : uid);
      boolean held = store.remove(kind, key, RemovalReason.DELETED).isPresent();
      if (publishedStored.remove(ObjectId.idOf(kind, key)) != null && !held) {
        publishChange(kind, key, null);
      }
      DirtyEntry e = dirty.remove(ObjectId.idOf(kind, key));
      hideOwn(kind, key, RemovalReason.DELETED);
      if (e != null) {
        done = e.drainWaiters();
      }
    }
    complete(done, object, null);
  }

  /**
   * Whether the API Server showed {@code object} (by name) and this stage tracks no unpersisted
   * change of it: a delete of it must reach the API Server.
   */
  private synchronized boolean knownPersisted(String kind, KubernetesObject object) {
    String id;
    try {
      id = ObjectId.idOf(kind, ObjectSupport.key(object));
    } catch (IllegalArgumentException e) {
      return false;
    }
    DirtyEntry e = dirty.get(id);
    return recentlyPersisted.containsKey(id) && (e == null || e.persisted);
  }

  /**
   * Whether a received ephemeral object is already superseded by what the API Server showed: a
   * never-persisted object whose API copy exists, or an update based on an older resourceVersion
   * than the last one seen (the API copy wins; late ephemeral copies are ignored).
   */
  synchronized boolean superseded(String kind, String key, KubernetesObject received) {
    Seen seen = recentlyPersisted.get(ObjectId.idOf(kind, key));
    return seen != null
        && ObjectSupport.supersedes(
            seen.rv(), seen.generation(), ObjectSupport.persistedRv(received), received);
  }

  /**
   * Whether a received copy belongs to an object the API Server has deleted (a tombstone, and the
   * copy has no uid of its own or the deleted one's: a never-persisted copy of it, or an update
   * derived from it): a late resend, not a new object.
   */
  synchronized boolean deletedInStore(String kind, String key, KubernetesObject received) {
    String id = ObjectId.idOf(kind, key);
    if (recentlyPersisted.containsKey(id)) {
      return false;
    }
    String tomb = deletedInStore.getIfPresent(id);
    String uid = received.getMetadata() == null ? null : received.getMetadata().getUid();
    return tomb != null && (uid == null || uid.equals(tomb));
  }

  // ------------------------------------------------------------------------------------------------------
  // Deletes and rejections along the chain
  // ------------------------------------------------------------------------------------------------------

  /**
   * An upstream deleted (or retracted) an object this stage held. A relay that already sent it on
   * cascades the delete to its downstream (returned: completes when the downstream acknowledged it,
   * or it went through the API Server); the tail cancels its pending writes of it and deletes a
   * copy it already created (delete wins). Guarded by this.
   *
   * @return the cascade's future, or null when there is nothing to wait for
   */
  CompletableFuture<KubernetesObject> deletedUpstream(String kind, String key) {
    String id = ObjectId.idOf(kind, key);
    deletedUpstream.put(id, Boolean.TRUE);
    DirtyEntry e = dirty.get(id);
    if (e != null
        && e.type != ChangeType.DELETED
        && !e.persisted
        && e.object != null
        && emittedKinds.contains(kind)) {
      metrics.deletePropagated();
      return emit(kind, WriteOp.DELETE, e.object);
    }
    if (e != null && e.type == ChangeType.DELETED && emittedKinds.contains(kind)) {
      // This stage's own delete of the copy it sent on is still on its way (the upstream repeats
      // its delete, e.g.
      // after a new handshake): acknowledge only once that one is settled.
      CompletableFuture<KubernetesObject> settled = new CompletableFuture<>();
      e.waiters.add(new DirtyEntry.Waiter(e.version, settled));
      return settled.exceptionally(ex -> null);
    }
    ObjectId oid = ObjectId.of(kind, key);
    KubernetesObject stub = oid.stub();
    CompletableFuture<KubernetesObject> done = CompletableFuture.completedFuture(null);
    if ((receivedKinds.contains(kind) && !emittedKinds.contains(kind))
        || (e != null && e.persisted)) {
      // The tail, or a relay that wrote the object through the API Server itself (its link was in
      // fallback): the
      // delete wins over its write-back (a copy it created is deleted by uid).
      done = writeBack.retract(kind, stub);
    }
    Seen seen = recentlyPersisted.get(id);
    if (seen != null && seen.uid() != null) {
      // The producer deleted an object it did not know was persisted (this stage's feed has shown
      // the API copy,
      // the producer's not yet): delete exactly that copy, or it would outlive the producer's
      // delete.
      KubernetesObject persisted = oid.stub();
      persisted.getMetadata().resourceVersion(seen.rv()).uid(seen.uid());
      done =
          done.exceptionally(ex -> null)
              .thenCompose(
                  v ->
                      writeBack.submit(
                          kind, WriteOp.DELETE, persisted, seen.rv(), WriteBackPolicy.EAGER));
    }
    // Upstream's delete completes once nothing of the object is left here (failures are logged, not
    // fatal:
    // the producer's own reconcile still sees what remains).
    CompletableFuture<KubernetesObject> result =
        done.exceptionally(
            ex -> {
              log.debug(
                  "stage {}: removing {} {} after an upstream delete failed: {}",
                  stage.name(),
                  kind,
                  key,
                  ex.toString());
              return null;
            });
    if (e == null
        && emittedKinds.contains(kind)
        && !stage.downstreams().isEmpty()
        && !recovered.isDone()) {
      // This stage does not know the object, but it may have sent it on before it restarted:
      // acknowledge once it
      // knows what its downstreams hold (their snapshots; its handshakes withdraw the copies it
      // does not know).
      result = result.thenCombine(recovered, (a, b) -> a);
    }
    return result;
  }

  /**
   * An upstream's handshake withdrew a copy this stage held (it does not know the object any more,
   * e.g. a relay that restarted). At the tail the copy's write-back stops unless it is done: its
   * informers showed the copy gone, and the upstream resends it if it is still wanted. A copy
   * already persisted stays (the producer's own reconcile decides about it). Guarded by this.
   */
  void retractedUpstream(String kind, String key) {
    if (receivedKinds.contains(kind) && !emittedKinds.contains(kind)) {
      writeBack.cancel(kind, key);
    }
  }

  /**
   * Whether a received copy is a repeat of one this stage dropped as refused by the store (same or
   * older version).
   */
  boolean droppedCopy(String source, String kind, String key, long version) {
    Long v = droppedCopies.getIfPresent(source + "|" + ObjectId.idOf(kind, key));
    return v != null && version <= v;
  }

  /** An object a received delete is for is held again (a new upsert): a relay may emit it again. */
  void receivedAgain(String kind, String key) {
    deletedUpstream.invalidate(ObjectId.idOf(kind, key));
    rejectedHere.invalidate(ObjectId.idOf(kind, key));
  }

  /** Deletes the persisted copy of a tombstoned (deleted-here) entry, once. Guarded by this. */
  private void deletePersistedCopy(DirtyEntry e, KubernetesObject persisted) {
    if (e.deletingPersisted) {
      return;
    }
    e.deletingPersisted = true;
    writeBack
        .submit(
            e.kind,
            WriteOp.DELETE,
            persisted,
            ObjectSupport.persistedRv(persisted),
            WriteBackPolicy.EAGER)
        .whenComplete(
            (r, ex) -> {
              List<DirtyEntry.Waiter> done;
              synchronized (this) {
                if (dirty.get(e.id()) != e) {
                  return;
                }
                if (ex != null) {
                  e.deletingPersisted = false; // the next feed event of the copy tries again
                  return;
                }
                dirty.remove(e.id());
                done = e.drainWaiters();
              }
              complete(done, persisted, null);
            });
  }

  /**
   * The persisted store rejected this stage's create of {@code object} for good. The object is
   * dropped from the received store (informers see it deleted), its upstream is told (REJECTED,
   * forwarded hop by hop to the producer), and a {@code FailedCreate} Event is recorded on its
   * owner. Called outside the lock.
   */
  void rejectedByStore(String kind, KubernetesObject object, String reason) {
    String key = ObjectSupport.key(object);
    metrics.rejected("store");
    rejectedHere.put(ObjectId.idOf(kind, key), reason);
    synchronized (this) {
      forwardNotice(kind, key, ErrorCode.REJECTED, reason);
    }
    recordEvent(object, ownerOrSelf(object), "FailedCreate", "Error creating: " + reason);
  }

  /**
   * A downstream at {@code from} reports that the store rejected an object this stage sent there:
   * drop the dirty entry, fail its writers, and pass the news on to this stage's own upstream.
   * Guarded by this.
   */
  void rejectedDownstream(
      String kind, String key, long version, ErrorCode code, String reason, PeerAddress from) {
    DirtyEntry e = dirty.get(ObjectId.idOf(kind, key));
    if (e == null || !from.equals(e.dest) || e.type == ChangeType.DELETED || version < e.version) {
      return; // (a notice about an older version than this stage sent since: a repeat, or stale)
    }
    dropRejected(e, code, reason);
  }

  /**
   * Drops a dirty entry the store will never persist (REJECTED: refused for good; NOT_FOUND:
   * deleted there), fails its writers, and tells this stage's own upstream. Guarded by this.
   */
  private void dropRejected(DirtyEntry e, ErrorCode code, String reason) {
    String kind = e.kind;
    String key = e.key;
    boolean rejected = code == ErrorCode.REJECTED;
    metrics.rejected(rejected ? "upstream" : "deleted");
    dirty.remove(e.id());
    hideOwn(kind, key, RemovalReason.REJECTED);
    complete(
        e.drainWaiters(),
        null,
        new WriteException(
            rejected ? WriteResult.Status.FAILED : WriteResult.Status.NOT_FOUND, reason));
    if (rejected && producesHere(kind) && e.object != null) {
      String owner = controllerUid(e.object);
      if (owner != null) {
        // A short, fixed window: the controller's own work queue backs off on the failures it sees;
        // a longer
        // window would keep failing its creates after the cause was fixed.
        ownerRejections.put(
            owner,
            new OwnerRejection(reason, scheduler.nanoTime() + OWNER_REJECTION_WINDOW.toNanos()));
      }
    }
    forwardNotice(kind, key, code, reason);
  }

  /**
   * Drops a held object and tells the stage it came from why it will not be persisted (REJECTED or
   * NOT_FOUND). Guarded by this.
   */
  private void forwardNotice(String kind, String key, ErrorCode code, String reason) {
    Optional<EphemeralEntry> held = store.remove(kind, key, RemovalReason.REJECTED);
    if (held.isPresent()) {
      droppedCopies
          .asMap()
          .merge(
              held.get().source() + "|" + ObjectId.idOf(kind, key),
              held.get().version(),
              Math::max);
      notifyUpstream(held.get().source(), kind, key, held.get().version(), code, reason);
    }
  }

  /** A notice's reference to version {@code version} of an object. */
  private static ObjectRef.Builder refOf(String kind, String key, long version) {
    ObjectId oid = ObjectId.of(kind, key);
    return ObjectRef.newBuilder()
        .setKind(kind)
        .setNamespace(oid.namespace())
        .setName(oid.name())
        .setVersion(version);
  }

  /**
   * Queues a notice about an object for {@code source} and sends what is queued if it is connected.
   */
  void notifyUpstream(
      String source, String kind, String key, long version, ErrorCode code, String reason) {
    ObjectRef ref = refOf(kind, key, version).build();
    pendingNotices
        .computeIfAbsent(source, s -> new LinkedHashMap<>())
        .put(ObjectId.idOf(kind, key), new Notice(ref, code, reason, 0));
    receiverHandler.flushNotices(source);
  }

  /**
   * Notices to {@code source} were just sent: queue them again after an ack timeout, up to {@link
   * #NOTICE_SENDS} sends in all, unless a newer notice about the same object is waiting by then.
   * Guarded by this.
   */
  void sentNotices(String source, List<Notice> sent) {
    List<Notice> again = new ArrayList<>();
    for (Notice n : sent) {
      if (n.sends() + 1 < NOTICE_SENDS) {
        again.add(new Notice(n.ref(), n.code(), n.reason(), n.sends() + 1));
      }
    }
    if (again.isEmpty()) {
      return;
    }
    scheduler.schedule(
        () -> {
          synchronized (this) {
            if (closed) {
              return;
            }
            Map<String, Notice> pending =
                pendingNotices.computeIfAbsent(source, s -> new LinkedHashMap<>());
            for (Notice n : again) {
              pending.putIfAbsent(ObjectId.idOf(n.ref().getKind(), Kinds.key(n.ref())), n);
            }
            receiverHandler.flushNotices(source);
          }
        },
        limits.ackTimeout());
  }

  /**
   * Why new objects of this object's owner fail fast (its recent objects were rejected), or null.
   */
  private String ownerRejection(KubernetesObject object) {
    String owner = controllerUid(object);
    OwnerRejection r = owner == null ? null : ownerRejections.get(owner);
    if (r == null || scheduler.nanoTime() >= r.untilNanos()) {
      return null;
    }
    return "the API Server rejected this owner's recent objects: " + r.reason();
  }

  private static String controllerUid(KubernetesObject o) {
    if (o.getMetadata() == null || o.getMetadata().getOwnerReferences() == null) {
      return null;
    }
    for (V1OwnerReference r : o.getMetadata().getOwnerReferences()) {
      if (Boolean.TRUE.equals(r.getController())) {
        return r.getUid();
      }
    }
    return null;
  }

  /** The object's controller as an event target, else the object itself. */
  private static V1ObjectReference ownerOrSelf(KubernetesObject o) {
    if (o.getMetadata().getOwnerReferences() != null) {
      for (V1OwnerReference r : o.getMetadata().getOwnerReferences()) {
        if (Boolean.TRUE.equals(r.getController())) {
          return new V1ObjectReference()
              .apiVersion(r.getApiVersion())
              .kind(r.getKind())
              .name(r.getName())
              .uid(r.getUid())
              .namespace(o.getMetadata().getNamespace());
        }
      }
    }
    return selfRef(o);
  }

  private static V1ObjectReference selfRef(KubernetesObject o) {
    return new V1ObjectReference()
        .apiVersion(o.getApiVersion())
        .kind(o.getKind())
        .name(o.getMetadata().getName())
        .namespace(o.getMetadata().getNamespace())
        .uid(o.getMetadata().getUid());
  }

  /**
   * Records a Warning Event about {@code about}'s {@code target} on a scheduler task (best effort).
   */
  private void recordEvent(
      KubernetesObject about, V1ObjectReference target, String reason, String message) {
    String ns = about.getMetadata() == null ? null : about.getMetadata().getNamespace();
    scheduler.execute(
        () -> api.recordEvent(ns == null ? "default" : ns, target, "Warning", reason, message));
  }

  private void recordEvent(
      KubernetesObject about, KubernetesObject target, String reason, String message) {
    recordEvent(about, selfRef(target), reason, message);
  }

  /** The uid of a persisted object (a delete's precondition), or null for an ephemeral one. */
  private static String persistedUid(KubernetesObject o) {
    return ObjectSupport.persistedRv(o) == null || o.getMetadata() == null
        ? null
        : o.getMetadata().getUid();
  }

  /** Ephemeral store entry for a received change. */
  EphemeralEntry entryFor(
      String source, String kind, String key, long version, KubernetesObject o) {
    if (o.getMetadata() != null && o.getMetadata().getResourceVersion() == null) {
      o.getMetadata().setResourceVersion("");
    }
    return new EphemeralEntry(
        source,
        kind,
        key,
        version,
        interner.compact(o, strategy(kind)),
        ObjectSupport.persistedRv(o));
  }
}
