package io.kubedirect.runtime.internal.engine;

import io.kubedirect.api.KindStrategies;
import io.kubedirect.api.KindStrategy;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.runtime.internal.codec.ObjectCodec;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.store.EphemeralStore;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TaskScheduler;
import io.kubedirect.transport.Transport;
import io.kubernetes.client.common.KubernetesObject;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The engine of one stage (internal API; controllers use {@code KubeDirect}). Built from seams
 * only, so that the deterministic simulation can run it on virtual time without an API Server. A
 * crash is modelled by {@link #close()} and dropping the instance.
 */
public interface StageEngine extends AutoCloseable {

  /** A builder. */
  static Builder builder() {
    return new Builder();
  }

  /** The declared stage. */
  StageDeclaration stage();

  /** The ephemeral objects received over links (the union informers read it). */
  EphemeralStore store();

  /**
   * Routes one write as {@code DirectWriter} describes: direct link, write-back, or plain API
   * write.
   *
   * @return completes with the object as sent or persisted, or exceptionally with a {@code
   *     WriteException}/{@code LinkException}
   */
  CompletableFuture<KubernetesObject> write(String kind, WriteOp op, KubernetesObject object);

  /**
   * Sends a change over the direct link for the object's downstream (or through the API Server when
   * that link is past its fallback deadline); completes when acknowledged (or persisted).
   */
  CompletableFuture<KubernetesObject> emit(String kind, WriteOp op, KubernetesObject object);

  /**
   * Writes an object back to the persisted store under {@code policy}; completes when persisted.
   */
  CompletableFuture<KubernetesObject> persist(
      String kind, WriteOp op, KubernetesObject object, WriteBackPolicy policy);

  /**
   * This stage's own emitted, not yet persisted objects of the kinds it emits but does not receive
   * (a head stage's pods), including objects adopted with content from a downstream's snapshot
   * after a restart. The informers of those kinds show them next to the API objects
   * (read-your-own-writes; the API copy wins).
   */
  EphemeralStore emittedView();

  /**
   * Completes once this stage knows what its downstreams hold: every declared downstream stage has
   * a link and each link has answered the first handshake round (or is in fallback), or after
   * {@code ackTimeout} at the latest. Complete at once for a stage without downstreams. Informers
   * of emitted kinds wait for it before their first list, so a restarted head stage does not
   * reconcile before it sees what it already produced.
   */
  CompletableFuture<Void> recovered();

  /** Number of objects sent over links and not yet seen persisted. */
  int dirtyCount();

  /** Whether the link to {@code address} is currently past its fallback deadline. */
  boolean inFallback(PeerAddress address);

  /** The bound listen address, when the stage has upstreams and is started. */
  Optional<PeerAddress> localAddress();

  /** The meters. */
  EngineMetrics metrics();

  /** Starts listening, dialling and feed subscriptions. Idempotent. */
  void start();

  /** Closes links, timers and the listen server; pending futures fail. Idempotent. */
  @Override
  void close();

  /** Builds a {@link DefaultStageEngine}; {@link #build()} validates. */
  final class Builder {
    StageDeclaration stage;
    Transport transport;
    PeerDiscovery discovery;
    TaskScheduler scheduler;
    PersistedObjectApi api;
    PersistedObjectFeed feed;
    ObjectCodec codec;
    EpochSource epochs;
    EngineLimits limits = EngineLimits.defaults();
    MeterRegistry meterRegistry;
    PeerAddress listen;
    AdoptionPolicy adoption = AdoptionPolicy.locallyKnown();
    boolean requireManagedLabel;
    String instance = "";
    java.util.concurrent.Executor writeBackExecutor;
    final Map<String, WriteBackPolicy> writeBack = new HashMap<>();
    final Map<String, KindStrategy<KubernetesObject>> strategies = new HashMap<>();

    Builder() {}

    /** The stage. Required. */
    public Builder stage(StageDeclaration s) {
      this.stage = Objects.requireNonNull(s);
      return this;
    }

    /** The transport. Required when the stage has links. */
    public Builder transport(Transport t) {
      this.transport = Objects.requireNonNull(t);
      return this;
    }

    /** Discovery of downstream instances. Required when the stage has downstreams. */
    public Builder discovery(PeerDiscovery d) {
      this.discovery = Objects.requireNonNull(d);
      return this;
    }

    /** Time and tasks. Required. */
    public Builder scheduler(TaskScheduler s) {
      this.scheduler = Objects.requireNonNull(s);
      return this;
    }

    /** The persisted store. Required. */
    public Builder persistedApi(PersistedObjectApi a) {
      this.api = Objects.requireNonNull(a);
      return this;
    }

    /** What the informers see of the persisted store. Required. */
    public Builder persistedFeed(PersistedObjectFeed f) {
      this.feed = Objects.requireNonNull(f);
      return this;
    }

    /** The object codec. Default {@link ObjectCodec#create()}. */
    public Builder codec(ObjectCodec c) {
      this.codec = Objects.requireNonNull(c);
      return this;
    }

    /** Epochs and versions. Default {@link EpochSource#wallClock()}. */
    public Builder epochSource(EpochSource e) {
      this.epochs = Objects.requireNonNull(e);
      return this;
    }

    /** Bounds and timings. Default {@link EngineLimits#defaults()}. */
    public Builder limits(EngineLimits l) {
      this.limits = Objects.requireNonNull(l);
      return this;
    }

    /** Optional meter registry. */
    public Builder meterRegistry(MeterRegistry r) {
      this.meterRegistry = r;
      return this;
    }

    /** Where to listen for upstream links. Required when the stage has upstreams. */
    public Builder listen(PeerAddress a) {
      this.listen = Objects.requireNonNull(a);
      return this;
    }

    /** Handshake adoption policy. Default {@link AdoptionPolicy#locallyKnown()}. */
    public Builder adoption(AdoptionPolicy p) {
      this.adoption = Objects.requireNonNull(p);
      return this;
    }

    /**
     * Opt-in mode: only objects labelled {@code kubedirect.io/managed=true} use direct links;
     * others are written to the API Server. Default false (every object of an emitted kind goes
     * direct).
     */
    public Builder requireManagedLabel(boolean require) {
      this.requireManagedLabel = require;
      return this;
    }

    /**
     * This instance's name among the instances of its stage (e.g. the node of a sandbox manager);
     * subscribers keep what each instance publishes apart by it. Needed when several instances
     * publish to one subscriber.
     */
    public Builder instance(String name) {
      this.instance = Objects.requireNonNull(name);
      return this;
    }

    /**
     * Runs the write-back's blocking store calls; its thread count bounds the writes in flight.
     * Default: the scheduler's tasks (deterministic in the simulation).
     */
    public Builder writeBackExecutor(java.util.concurrent.Executor e) {
      this.writeBackExecutor = Objects.requireNonNull(e);
      return this;
    }

    /** Overrides the write-back policy of a kind (protocol kind string). */
    public Builder writeBack(String kind, WriteBackPolicy p) {
      writeBack.put(Objects.requireNonNull(kind), Objects.requireNonNull(p));
      return this;
    }

    /**
     * The strategy of a kind (protocol kind string); default {@link DefaultKindStrategies#forKind}.
     */
    public Builder kind(String kind, KindStrategy<KubernetesObject> strategy) {
      strategies.put(Objects.requireNonNull(kind), Objects.requireNonNull(strategy));
      return this;
    }

    /**
     * Routing key function of a kind (protocol kind string): its strategy with that routing key.
     */
    public Builder routingKey(String kind, Function<KubernetesObject, String> f) {
      KindStrategy<KubernetesObject> base =
          strategies.getOrDefault(
              Objects.requireNonNull(kind), DefaultKindStrategies.forKind(kind));
      return kind(kind, KindStrategies.withRoutingKey(base, f));
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalStateException when a required seam is missing
     */
    public StageEngine build() {
      if (stage == null || scheduler == null || api == null || feed == null) {
        throw new IllegalStateException(
            "stage, scheduler, persistedApi and persistedFeed are required");
      }
      if ((!stage.upstreams().isEmpty() || !stage.downstreams().isEmpty()) && transport == null) {
        throw new IllegalStateException("transport is required for a stage with links");
      }
      if (!stage.upstreams().isEmpty() && listen == null) {
        throw new IllegalStateException("listen address is required for a stage with upstreams");
      }
      if (!stage.downstreams().isEmpty() && discovery == null) {
        throw new IllegalStateException("discovery is required for a stage with downstreams");
      }
      if (!stage.subscribers().isEmpty() && (discovery == null || transport == null)) {
        throw new IllegalStateException(
            "transport and discovery are required for a stage with subscribers");
      }
      if (!instance.isEmpty() && !instance.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
        throw new IllegalStateException("instance must be a DNS subdomain: '" + instance + "'");
      }
      if (codec == null) {
        codec = ObjectCodec.create();
      }
      if (epochs == null) {
        epochs = EpochSource.wallClock();
      }
      return new DefaultStageEngine(this);
    }
  }
}
