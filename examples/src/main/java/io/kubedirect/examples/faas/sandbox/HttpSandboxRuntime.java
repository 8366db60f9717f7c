package io.kubedirect.examples.faas.sandbox;

import io.kubedirect.examples.faas.common.FaasConventions;
import io.kubedirect.examples.faas.common.LoopbackPodNetwork;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1Pod;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@link HttpSandbox}es, one loopback HTTP server per pod (on a free port, or on the pod's own
 * address), on one shared Netty event loop group. The behaviour of each comes from {@link
 * SandboxSpec#forPod} over the runtime's defaults. If a {@link StatSink} is set, every running
 * sandbox reports a {@code Stat} for its function every second (Knative's queue-proxy report;
 * requests that came through the activator are counted as proxied). Thread-safe; {@link #close()}
 * stops every sandbox.
 */
public final class HttpSandboxRuntime implements SandboxRuntime, AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(HttpSandboxRuntime.class);

  /** How often sandboxes report stats (Knative's reporting period). */
  public static final Duration REPORT_PERIOD = Duration.ofSeconds(1);

  /** Port of a pod whose container declares none (see {@link #containerPort}). */
  public static final int DEFAULT_CONTAINER_PORT = 8080;

  /** Name of the container port a sandbox listens on when it listens on its pod's address. */
  public static final String HTTP_PORT_NAME = "http";

  private final SandboxSpec defaults;
  private final StatSink statSink;
  private final Duration drainTimeout;
  private final boolean listenOnPodAddress;
  private final LongSupplier nanoTime = System::nanoTime;
  private final EventLoopGroup group;
  private final ScheduledExecutorService reporter;
  private final Map<String, HttpSandbox> sandboxes = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private HttpSandboxRuntime(Builder b) {
    this.defaults = b.defaults;
    this.statSink = b.statSink;
    this.drainTimeout = b.drainTimeout;
    this.listenOnPodAddress = b.listenOnPodAddress;
    this.group =
        new MultiThreadIoEventLoopGroup(
            b.ioThreads, new DefaultThreadFactory("sandbox-io", true), NioIoHandler.newFactory());
    if (statSink != StatSink.NONE) {
      this.reporter =
          Executors.newSingleThreadScheduledExecutor(
              new DefaultThreadFactory("sandbox-stats", true));
      long period = REPORT_PERIOD.toMillis();
      reporter.scheduleAtFixedRate(this::report, period, period, TimeUnit.MILLISECONDS);
    } else {
      this.reporter = null;
    }
  }

  /** A builder with {@link SandboxSpec#DEFAULTS}, no stats, 2 I/O threads. */
  public static Builder builder() {
    return new Builder();
  }

  /** A runtime with the default settings. */
  public static HttpSandboxRuntime create() {
    return builder().build();
  }

  @Override
  public Duration coldStart(V1Pod pod) {
    return defaults.forPod(pod).coldStart();
  }

  @Override
  public void start(String podKey, V1Pod pod) {
    start(podKey, pod, null);
  }

  /**
   * Starts the sandbox of {@code pod}: on a free port of {@code 127.0.0.1}, or, if the runtime
   * {@linkplain Builder#listenOnPodAddress listens on pod addresses} and {@code podIp} is given, on
   * the loopback twin of {@code podIp} ({@link LoopbackPodNetwork}) at the pod's {@linkplain
   * #containerPort container port}.
   *
   * @throws IllegalStateException if the runtime is closed
   * @throws RuntimeException if the address cannot be bound (e.g. in use)
   */
  @Override
  public void start(String podKey, V1Pod pod, String podIp) {
    if (closed) {
      throw new IllegalStateException("sandbox runtime is closed");
    }
    InetSocketAddress bindTo =
        listenOnPodAddress && podIp != null
            ? new InetSocketAddress(LoopbackPodNetwork.hostFor(podIp), containerPort(pod))
            : new InetSocketAddress("127.0.0.1", 0);
    HttpSandbox sandbox =
        HttpSandbox.start(group, bindTo, podKey, functionOf(pod), defaults.forPod(pod), nanoTime);
    HttpSandbox previous = sandboxes.put(podKey, sandbox);
    if (previous != null) {
      previous.drain(drainTimeout);
    }
    log.debug("sandbox of {} serves at {}", podKey, sandbox.address());
  }

  @Override
  public String address(String podKey) {
    HttpSandbox s = sandboxes.get(podKey);
    return s == null ? null : s.address();
  }

  @Override
  public void stop(String podKey) {
    HttpSandbox s = sandboxes.remove(podKey);
    if (s != null) {
      s.drain(drainTimeout);
      log.debug("sandbox of {} stopped", podKey);
    }
  }

  /** The running sandbox of {@code podKey}. */
  public Optional<HttpSandbox> sandbox(String podKey) {
    return Optional.ofNullable(sandboxes.get(podKey));
  }

  /** All running sandboxes. */
  public List<HttpSandbox> sandboxes() {
    return List.copyOf(sandboxes.values());
  }

  /** Number of running sandboxes. */
  public int running() {
    return sandboxes.size();
  }

  /**
   * The port the pod's function listens on: its first container's port named {@code http}, else the
   * first container port, else {@link #DEFAULT_CONTAINER_PORT}.
   */
  public static int containerPort(V1Pod pod) {
    List<V1Container> containers = pod.getSpec() == null ? null : pod.getSpec().getContainers();
    if (containers == null
        || containers.isEmpty()
        || containers.get(0).getPorts() == null
        || containers.get(0).getPorts().isEmpty()) {
      return DEFAULT_CONTAINER_PORT;
    }
    List<V1ContainerPort> ports = containers.get(0).getPorts();
    return ports.stream()
        .filter(p -> HTTP_PORT_NAME.equals(p.getName()))
        .findFirst()
        .orElse(ports.get(0))
        .getContainerPort();
  }

  private static RevisionKey functionOf(V1Pod pod) {
    String ns = pod.getMetadata().getNamespace();
    Map<String, String> labels = pod.getMetadata().getLabels();
    String fn = labels == null ? null : labels.get(FaasConventions.FUNCTION_LABEL);
    return ns == null || ns.isEmpty() || fn == null || fn.isEmpty()
        ? null
        : new RevisionKey(ns, fn);
  }

  private void report() {
    for (HttpSandbox s : sandboxes.values()) {
      if (s.function() != null) {
        try {
          statSink.record(s.function(), s.report());
        } catch (RuntimeException e) {
          log.warn("stat of {} not taken", s.podKey(), e);
        }
      }
    }
  }

  /** Stops every sandbox (at once) and the event loops. */
  @Override
  public void close() {
    closed = true;
    if (reporter != null) {
      reporter.shutdownNow();
    }
    for (String key : List.copyOf(sandboxes.keySet())) {
      HttpSandbox s = sandboxes.remove(key);
      if (s != null) {
        s.drain(Duration.ZERO);
      }
    }
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  /** Builder for {@link HttpSandboxRuntime}. */
  public static final class Builder {
    private SandboxSpec defaults = SandboxSpec.DEFAULTS;
    private StatSink statSink = StatSink.NONE;
    private int ioThreads = 2;
    private Duration drainTimeout = Duration.ofSeconds(30);
    private boolean listenOnPodAddress;

    private Builder() {}

    /**
     * Whether each sandbox listens on its pod's address, the loopback twin of the pod IP the
     * sandbox manager assigned ({@link LoopbackPodNetwork}), at the pod's container port (default
     * false: a free port of {@code 127.0.0.1}). Needed where readiness reaches the activator as pod
     * IP and port, as in EndpointSlices. Either way the address is also in the pod's serving
     * condition.
     */
    public Builder listenOnPodAddress(boolean enabled) {
      this.listenOnPodAddress = enabled;
      return this;
    }

    /** Behaviour of a pod without annotations (default {@link SandboxSpec#DEFAULTS}). */
    public Builder defaults(SandboxSpec spec) {
      this.defaults = Objects.requireNonNull(spec, "spec");
      return this;
    }

    /** Where sandboxes report their stats every second (default: nowhere). */
    public Builder statSink(StatSink sink) {
      this.statSink = Objects.requireNonNull(sink, "sink");
      return this;
    }

    /** Netty I/O threads shared by all sandboxes (default 2). */
    public Builder ioThreads(int threads) {
      this.ioThreads = threads;
      return this;
    }

    /** Longest time a stopped sandbox keeps answering the requests it holds (default 30 s). */
    public Builder drainTimeout(Duration timeout) {
      this.drainTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /**
     * @throws IllegalStateException if ioThreads < 1 or the drain timeout is negative
     */
    public HttpSandboxRuntime build() {
      if (ioThreads < 1) {
        throw new IllegalStateException("ioThreads must be >= 1");
      }
      if (drainTimeout.isNegative()) {
        throw new IllegalStateException("drainTimeout must be >= 0");
      }
      return new HttpSandboxRuntime(this);
    }
  }
}
