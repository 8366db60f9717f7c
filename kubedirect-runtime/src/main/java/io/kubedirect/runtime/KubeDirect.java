package io.kubedirect.runtime;

import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.KindStrategies;
import io.kubedirect.api.KindStrategy;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The kubedirect runtime of one stage: direct links to neighbouring stages, informers that see
 * ephemeral objects, writers that send over links or write back. Retrofit: replace {@code new
 * SharedInformerFactory(api)} with {@link #informerFactory()}, narrow-waist API writes with {@link
 * #writer(Class)}, and call {@link #start()}.
 */
public interface KubeDirect extends AutoCloseable {

  /** A builder. */
  static Builder builder() {
    return new Builder();
  }

  /** The informer factory to use instead of {@code new SharedInformerFactory(apiClient)}. */
  SharedInformerFactory informerFactory();

  /**
   * The writer for objects of {@code type}. With leader election, a replica that does not lead
   * (yet, or any more) writes nothing: its writes fail at once with a {@link WriteException}
   * ({@code FAILED}).
   */
  <T extends KubernetesObject> DirectWriter<T> writer(Class<T> type);

  /**
   * Starts the stage: listens (if it has upstreams), dials its downstreams, and registers an
   * informer for every received or emitted kind the controller has not registered itself (the
   * engine learns from them what is persisted). The one start order: build, register the
   * controller's informers on {@link #informerFactory()}, call {@code start()}, then start the
   * informers ({@code informerFactory().startAllRegisteredInformers()} or a {@code
   * ControllerManager}) as usual. Idempotent.
   *
   * <p>With {@link Builder#leaderElection leader election} this only starts campaigning for the
   * Lease and returns; the stage starts (as above) when this replica becomes leader, and the
   * controller should start then too: run it from {@link #leadershipAcquired()}.
   */
  void start();

  /**
   * Closes links, the transport, the discovery and background work. Idempotent. Does not stop
   * informers started by the caller. A leader gives its Lease up unless {@link
   * LeaderElection#releaseOnClose(boolean)} says otherwise.
   */
  @Override
  void close();

  /**
   * Whether this replica runs the stage now: its links, its write-back, and (by convention) its
   * controller. Without leader election: true from {@link #start()} until {@link #close()}. With
   * leader election: true from taking the Lease until losing it or closing.
   */
  boolean isLeader();

  /**
   * Completes once this replica leads and its stage runs (links, write-back), before the controller
   * should start: at {@link #start()} without leader election, when the Lease is taken with it.
   * Start the controller (its informers and workers) from here. Never completes for a replica that
   * is closed before it leads. Dependent actions run on the thread that completes it, or at once if
   * it is already complete.
   */
  CompletableFuture<Void> leadershipAcquired();

  /**
   * Completes when this replica stopped leading without being closed: it could not renew the Lease
   * within the renew deadline, or it saw another holder in the Lease. By then its engine is closed
   * (links, listener, write-back): whatever the controller writes next fails. Stop the controller
   * here, and close this instance; it does not campaign again (like kube-controller-manager, a
   * process should exit and be restarted, or build a new {@code KubeDirect}). Never completes
   * without leader election.
   */
  CompletableFuture<Void> leadershipLost();

  /** The bound listen address, once started (with the actual port). */
  Optional<PeerAddress> localAddress();

  /** The stage this runtime plays. */
  StageDeclaration stage();

  /** Configures and builds a {@link KubeDirect}; {@link #build()} validates. */
  final class Builder {
    ApiClient apiClient;
    StageDeclaration stage;
    Transport transport;
    PeerAddress listen;
    PeerDiscovery discovery;
    MeterRegistry meterRegistry;
    Duration fallbackAfter = Duration.ofSeconds(10);
    Duration ackTimeout = Duration.ofSeconds(5);
    int workerThreads = 4;
    int writeBackConcurrency = 32;
    final Map<Class<?>, WriteBackPolicy> writeBack = new LinkedHashMap<>();
    final Map<Class<?>, KindStrategy<KubernetesObject>> strategies = new LinkedHashMap<>();
    boolean requireVerifiedPeers;
    boolean requireManagedLabel;
    LeaderElection leaderElection;
    String instance = "";

    Builder() {}

    /** The client for the API Server; its read timeout must be 0 (informers need it). Required. */
    public Builder apiClient(ApiClient apiClient) {
      this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
      return this;
    }

    /** The stage this process plays. Required. */
    public Builder stage(StageDeclaration stage) {
      this.stage = Objects.requireNonNull(stage, "stage");
      return this;
    }

    /**
     * The stage, read from the {@link io.kubedirect.api.DirectStage} annotation of {@code
     * annotated}.
     */
    public Builder stage(Class<?> annotated) {
      this.stage = StageDeclaration.fromAnnotated(annotated);
      return this;
    }

    /**
     * The transport for direct links. Required when the stage has upstreams or downstreams. The
     * runtime takes ownership of it: {@link KubeDirect#close()} closes it.
     */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /** Where to accept links from upstream stages. Required when the stage has upstreams. */
    public Builder listen(PeerAddress address) {
      this.listen = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * How to find downstream and subscriber stages. Required when the stage has downstreams or
     * subscribers. The runtime starts it and {@link KubeDirect#close()} closes it.
     */
    public Builder discovery(PeerDiscovery discovery) {
      this.discovery = Objects.requireNonNull(discovery, "discovery");
      return this;
    }

    /**
     * This instance's name among the instances of its stage, e.g. the node of a sandbox manager (a
     * DNS subdomain). A subscriber keeps what each instance publishes apart by it, so set it when
     * several instances of a stage publish to the same subscriber; keep it stable across restarts
     * (a restarted instance then withdraws what its previous incarnation published). Default: none.
     */
    public Builder instance(String name) {
      this.instance = Objects.requireNonNull(name, "name");
      return this;
    }

    /** Where to register metrics (optional). */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * How long a link may be down before the objects for that downstream go through the API Server
     * (until the link is back). Default 10 s; positive.
     */
    public Builder fallbackAfter(Duration fallbackAfter) {
      this.fallbackAfter = Objects.requireNonNull(fallbackAfter, "fallbackAfter");
      return this;
    }

    /**
     * How long a sent message may stay unanswered before its link is treated as broken and
     * re-established (the handshake then repairs what was lost). Default 5 s; positive.
     */
    public Builder ackTimeout(Duration ackTimeout) {
      this.ackTimeout = Objects.requireNonNull(ackTimeout, "ackTimeout");
      return this;
    }

    /** Threads for the stage's link sessions and timers. Default 4; at least 1. */
    public Builder workerThreads(int threads) {
      this.workerThreads = threads;
      return this;
    }

    /**
     * How many write-backs may be in flight to the API Server at once (one object's writes are
     * always made one after the other). Each is a blocking call on a thread of its own, apart from
     * the {@link #workerThreads}. Default 32, at which one local API Server on a 2-core machine
     * reaches its write ceiling (docs/benchmarks.md, "Write-back ceiling"); at least 1.
     */
    public Builder writeBackConcurrency(int writes) {
      this.writeBackConcurrency = writes;
      return this;
    }

    /**
     * Overrides the write-back policy for {@code type}. Defaults: {@link WriteBackPolicy#EAGER} for
     * new objects of kinds this stage receives but does not emit (the tail), lazy (500 ms) for
     * received updates of already persisted objects of such kinds (desired state: the tail writes
     * them back, coalesced), nothing for kinds it emits (the tail downstream persists them).
     */
    public <T extends KubernetesObject> Builder writeBack(Class<T> type, WriteBackPolicy policy) {
      writeBack.put(Objects.requireNonNull(type, "type"), Objects.requireNonNull(policy, "policy"));
      return this;
    }

    /**
     * What is specific to objects of {@code type}: routing among downstream instances, ownership of
     * stored copies, which parts to share in memory. Default: {@link KindStrategies#pods()} for
     * pods, {@link KindStrategies#generic()} otherwise.
     */
    @SuppressWarnings("unchecked")
    public <T extends KubernetesObject> Builder kind(Class<T> type, KindStrategy<T> strategy) {
      Objects.requireNonNull(strategy, "strategy");
      strategies.put(
          Objects.requireNonNull(type, "type"), (KindStrategy<KubernetesObject>) strategy);
      return this;
    }

    /**
     * How objects of {@code type} are routed among the instances of a downstream stage (the key
     * handed to {@link PeerDiscovery#resolve}): its strategy with another routing key. Default:
     * {@code spec.nodeName} for pods, else {@code ""}.
     */
    @SuppressWarnings("unchecked")
    public <T extends KubernetesObject> Builder routingKey(Class<T> type, Function<T, String> key) {
      KindStrategy<T> base =
          (KindStrategy<T>)
              strategies.getOrDefault(
                  Objects.requireNonNull(type, "type"),
                  DefaultKindStrategies.forKind(Kinds.of(type)));
      return kind(type, KindStrategies.withRoutingKey(base, key));
    }

    /**
     * Opt-in mode: only objects labelled {@code kubedirect.io/managed=true} travel over direct
     * links (or are written back); every other object is a plain API Server write. Default false.
     */
    public Builder requireManagedLabel(boolean require) {
      this.requireManagedLabel = require;
      return this;
    }

    /**
     * Accept only upstream peers whose identity was verified by TLS (default false: plaintext
     * allowed).
     */
    public Builder requireVerifiedPeers(boolean require) {
      this.requireVerifiedPeers = require;
      return this;
    }

    /**
     * Runs this stage with several replicas: only the holder of the Lease runs the links, the
     * write-back and (from {@link KubeDirect#leadershipAcquired()}) the controller; the others wait
     * as standbys. Default: no election (this instance always runs the stage). See {@link
     * LeaderElection}.
     */
    public Builder leaderElection(LeaderElection election) {
      this.leaderElection = Objects.requireNonNull(election, "election");
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalStateException when a required setting is missing or inconsistent
     */
    public KubeDirect build() {
      if (apiClient == null) {
        throw new IllegalStateException("apiClient is required");
      }
      if (apiClient.getReadTimeout() != 0) {
        throw new IllegalStateException(
            "apiClient read timeout must be 0 for informers, is "
                + apiClient.getReadTimeout()
                + " ms");
      }
      if (stage == null) {
        throw new IllegalStateException("stage is required");
      }
      boolean linked = !stage.upstreams().isEmpty() || !stage.downstreams().isEmpty();
      if (linked && transport == null) {
        throw new IllegalStateException(
            "transport is required for stage '" + stage.name() + "' with links");
      }
      if (!stage.upstreams().isEmpty() && listen == null) {
        throw new IllegalStateException(
            "listen address is required: stage '" + stage.name() + "' has upstreams");
      }
      if (!stage.downstreams().isEmpty() && discovery == null) {
        throw new IllegalStateException(
            "discovery is required: stage '" + stage.name() + "' has downstreams");
      }
      if (!stage.subscribers().isEmpty() && discovery == null) {
        throw new IllegalStateException(
            "discovery is required: stage '"
                + stage.name()
                + "' has subscribers "
                + stage.subscribers());
      }
      if (!stage.subscribers().isEmpty() && transport == null) {
        throw new IllegalStateException(
            "transport is required for stage '" + stage.name() + "' with subscribers");
      }
      if (!instance.isEmpty() && !instance.matches("[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?")) {
        throw new IllegalStateException("instance must be a DNS subdomain: '" + instance + "'");
      }
      if (fallbackAfter.isNegative() || fallbackAfter.isZero()) {
        throw new IllegalStateException("fallbackAfter must be positive: " + fallbackAfter);
      }
      if (ackTimeout.isNegative() || ackTimeout.isZero()) {
        throw new IllegalStateException("ackTimeout must be positive: " + ackTimeout);
      }
      if (workerThreads < 1) {
        throw new IllegalStateException("workerThreads must be at least 1: " + workerThreads);
      }
      if (writeBackConcurrency < 1) {
        throw new IllegalStateException(
            "writeBackConcurrency must be at least 1: " + writeBackConcurrency);
      }
      if (transport != null
          && transport.stageName() != null
          && !transport.stageName().equals(stage.name())) {
        // Caught here rather than at run time, where peers would refuse the links as UNAUTHORIZED.
        throw new IllegalStateException(
            "the transport speaks for stage '"
                + transport.stageName()
                + "' but the declared stage is '"
                + stage.name()
                + "': give both the same name");
      }
      if (leaderElection != null) {
        leaderElection.validate();
      }
      return new DefaultKubeDirect(this);
    }
  }
}
