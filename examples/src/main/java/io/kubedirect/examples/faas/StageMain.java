package io.kubedirect.examples.faas;

import io.kubedirect.examples.faas.StageOptions.Stage;
import io.kubedirect.examples.faas.StageOptions.Variant;
import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.ApiServerSandboxSource;
import io.kubedirect.examples.faas.activator.DirectSandboxSource;
import io.kubedirect.examples.faas.activator.SandboxSource;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.common.StageTimeLog;
import io.kubedirect.examples.faas.common.StageTimes;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.function.FunctionAutoscaling;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.faas.sandbox.SandboxRuntime;
import io.kubedirect.examples.faas.stats.HttpStatSink;
import io.kubedirect.examples.faas.stats.StatsServer;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.examples.knative.autoscaler.metrics.StatSink;
import io.kubedirect.metrics.prometheus.KubeDirectPrometheus;
import io.kubedirect.metrics.prometheus.MetricsServer;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.netty.NettyTransport;
import io.kubedirect.transport.netty.TlsConfig;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage of the example chain ({@code faas/direct}, or with {@code --variant plain} its
 * plain copy in {@code faas/plain}) as its own process; {@code ProcessChain} runs the whole chain
 * this way, one process per stage. For the slice, as the manifests in {@code deploy/} do: the
 * replicaset stage dials the scheduler, the scheduler listens for it and dials the sandbox manager,
 * which serves the pool nodes given with {@code --nodes} and writes the pods back. Every process
 * serves its meters in Prometheus format on {@code /metrics}, and {@code /healthz} (the stage runs)
 * and {@code /readyz} (its informers have synced) for the kubelet's probes, and {@code
 * /stage-times} (when it started to reconcile which object, for benchmarks). See {@link
 * StageOptions#USAGE}.
 *
 * <p>With {@code --leader-election} several replicas of a stage run at once: the holder of the
 * stage's Lease runs it; the others are ready standbys (their {@code /readyz} is 200, so a rolling
 * update can proceed) that take over when the Lease expires or is given up (on SIGTERM the leader
 * gives it up). A leader that loses its Lease stops its links at once and starts over as a standby.
 *
 * <pre>
 * java -cp ... io.kubedirect.examples.faas.StageMain --stage scheduler --nodes pool-0,pool-1 \
 *     --tls-dir /etc/kubedirect/tls --sandbox-manager-address sandbox-manager:7302
 * </pre>
 */
public final class StageMain {

  private static final Logger log = LoggerFactory.getLogger(StageMain.class);

  /**
   * Where the admin port serves the stage's reconcile start times and the autoscaler's scale
   * changes as JSON ({@link StageTimeLog.Snapshot}; empty unless run through {@link #main}).
   */
  public static final String STAGE_TIMES_PATH = "/stage-times";

  private StageMain() {}

  /** Parses the arguments, starts the stage and runs until the JVM is asked to stop (SIGTERM). */
  public static void main(String[] args) throws InterruptedException {
    StageOptions options;
    try {
      options = StageOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(StageOptions.USAGE);
      System.exit(2);
      return;
    }
    if (options == null) {
      System.out.println(StageOptions.USAGE);
      return;
    }
    StageTimeLog times = new StageTimeLog();
    StageTimes.install(times);
    Running running = start(options, times);
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "stage-shutdown"));
    if (options.parentPid() != null) {
      // Stop as on SIGTERM (the hook closes the stage) once the launcher is gone.
      ProcessHandle.of(options.parentPid())
          .map(ProcessHandle::onExit)
          .orElse(java.util.concurrent.CompletableFuture.completedFuture(null))
          .thenRun(
              () -> {
                log.warn("parent process {} exited; stopping", options.parentPid());
                System.exit(0);
              });
    }
    running.awaitClosed();
  }

  /** Starts the stage described by {@code args} (as {@link #main} does, without waiting). */
  public static Running start(String... args) {
    StageOptions options = StageOptions.parse(args);
    if (options == null) {
      throw new IllegalArgumentException(StageOptions.USAGE);
    }
    return start(options);
  }

  /** Starts the stage, and the metrics server unless the port is -1. */
  public static Running start(StageOptions o) {
    return start(o, null);
  }

  /**
   * Starts the stage, and the metrics server unless the port is -1; with {@code times} (the
   * recorder installed in {@link StageTimes}) the server also serves them as JSON on {@code
   * /stage-times} ({@link StageTimeLog.Snapshot#toJson()}).
   */
  public static Running start(StageOptions o, StageTimeLog times) {
    ApiClient api = apiClient(o);
    PrometheusMeterRegistry registry = KubeDirectPrometheus.newRegistry();
    AutoCloseable jvmMetrics = KubeDirectPrometheus.bindJvmMetrics(registry);
    List<AutoCloseable> extras = new ArrayList<>();
    SliceStage stage;
    try {
      stage = stage(o, api, registry, extras);
    } catch (RuntimeException e) {
      closeAll(extras);
      throw e;
    }
    MetricsServer server = null;
    try {
      if (o.metricsPort() >= 0) {
        server =
            MetricsServer.builder(registry)
                .host(o.metricsHost())
                .port(o.metricsPort())
                .liveness(stage::isRunning)
                .readiness(stage::hasSynced)
                .endpoint(
                    STAGE_TIMES_PATH,
                    "application/json",
                    () ->
                        (times == null
                                ? StageTimeLog.Snapshot.empty(System.nanoTime())
                                : times.snapshot())
                            .toJson())
                .start();
      }
      stage.start();
    } catch (RuntimeException e) {
      if (server != null) {
        server.close();
      }
      stage.stop();
      closeAll(extras);
      throw e;
    }
    log.info(
        "stage {} ({}) started{}",
        o.stage().flag(),
        o.variant().name().toLowerCase(Locale.ROOT),
        server == null ? "" : "; metrics on " + server.uri() + "/metrics");
    return new Running(stage, registry, server, jvmMetrics, extras);
  }

  /**
   * The stage {@code o} asks for; what it needs besides (sandboxes, the stat intake) goes into
   * {@code extras}, which {@link Running#close()} closes after the stage.
   */
  private static SliceStage stage(
      StageOptions o, ApiClient api, PrometheusMeterRegistry registry, List<AutoCloseable> extras) {
    boolean direct = o.variant() == Variant.DIRECT;
    DirectLinks links =
        direct
            ? links(o)
                .withTransports(stage -> transport(stage, o, registry))
                .withMeterRegistry(registry)
            : null;
    AutoscalerConfig config = FunctionAutoscaling.chainDefaults(o.autoscalerConfig());
    return switch (o.stage()) {
      case AUTOSCALER -> {
        StatSink autoscaler;
        SliceStage s;
        if (direct) {
          var a = new io.kubedirect.examples.faas.direct.AutoscalerController(api, links, config);
          autoscaler = a;
          s = a;
        } else {
          var a = new io.kubedirect.examples.faas.plain.AutoscalerController(api, config);
          autoscaler = a;
          s = a;
        }
        StatsServer stats =
            StatsServer.start(o.statsListen().host(), o.statsListen().port(), autoscaler);
        extras.add(stats);
        log.info("stats intake on {}", stats.address());
        yield s;
      }
      case DEPLOYMENT ->
          direct
              ? new io.kubedirect.examples.faas.direct.DeploymentController(api, links)
              : new io.kubedirect.examples.faas.plain.DeploymentController(api);
      case REPLICASET ->
          direct
              ? new io.kubedirect.examples.faas.direct.ReplicaSetController(api, links)
              : new io.kubedirect.examples.faas.plain.ReplicaSetController(api);
      case SCHEDULER ->
          direct
              ? new io.kubedirect.examples.faas.direct.SchedulerController(api, links)
              : new io.kubedirect.examples.faas.plain.SchedulerController(api);
      case SANDBOX_MANAGER -> {
        SandboxRuntime sandboxes = SandboxRuntime.NONE;
        if (o.httpSandboxes()) {
          HttpSandboxRuntime rt = HttpSandboxRuntime.create();
          extras.add(rt);
          sandboxes = rt;
        }
        yield direct
            ? io.kubedirect.examples.faas.direct.SandboxManager.builder(api)
                .links(links, o.listen())
                .podIpBlock(o.podIpBlock())
                .startDelay(Duration.ZERO, o.maxStartDelay())
                .sandboxes(sandboxes)
                .build()
            : io.kubedirect.examples.faas.plain.SandboxManager.builder(api)
                .nodes(o.nodes())
                .podIpBlock(o.podIpBlock())
                .startDelay(Duration.ZERO, o.maxStartDelay())
                .sandboxes(sandboxes)
                .build();
      }
      case ACTIVATOR -> {
        SandboxSource source =
            direct
                ? new DirectSandboxSource(
                    () ->
                        KubeDirect.builder()
                            .apiClient(api)
                            .transport(links.transport(DirectLinks.ACTIVATOR))
                            .listen(links.listenAddress(DirectLinks.ACTIVATOR))
                            .meterRegistry(links.meterRegistry()),
                    api)
                : ApiServerSandboxSource.builder(api).build();
        yield Activator.builder(source)
            .name(direct ? "activator-direct" : "activator-plain")
            .port(o.httpPort())
            .statSink(new HttpStatSink(o.statsAddress().host(), o.statsAddress().port()))
            .build();
      }
    };
  }

  private static void closeAll(List<AutoCloseable> closeables) {
    for (AutoCloseable c : closeables) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing {}: {}", c, e.toString());
      }
    }
  }

  /**
   * The addresses as this stage sees them: the scheduler listens at {@code --listen} (the others
   * dial {@code --scheduler-address}); the sandbox manager listens at {@code --listen} and serves
   * {@code --nodes} (the scheduler dials {@code --sandbox-manager-address} for them). With {@code
   * --leader-election} the upstream stages dial the address the downstream stage's leader wrote
   * into its Lease instead.
   */
  static DirectLinks links(StageOptions o) {
    Map<String, PeerAddress> byNode = new LinkedHashMap<>();
    PeerAddress manager =
        o.stage() == Stage.SANDBOX_MANAGER ? o.listen() : o.sandboxManagerAddress();
    o.nodes().forEach(n -> byNode.put(n, manager));
    PeerAddress scheduler = o.stage() == Stage.SCHEDULER ? o.listen() : o.schedulerAddress();
    DirectLinks links = new DirectLinks(scheduler, byNode);
    for (Map.Entry<String, PeerAddress> peer : o.peers().entrySet()) {
      links = links.withStage(peer.getKey(), peer.getValue());
    }
    if (o.listen() != null
        && (o.stage() == Stage.DEPLOYMENT
            || o.stage() == Stage.REPLICASET
            || o.stage() == Stage.ACTIVATOR)) {
      links = links.withStage(o.stage().flag(), o.listen());
    }
    return o.election() == null ? links : links.withLeaderElection(o.election());
  }

  static Transport transport(String stage, StageOptions o, PrometheusMeterRegistry registry) {
    NettyTransport.Builder b = NettyTransport.builder().stageName(stage).meterRegistry(registry);
    if (o.plaintext()) {
      b = o.plaintextAnyAddress() ? b.allowPlaintextOnNonLoopback() : b.plaintextOnLoopback();
    } else {
      b =
          b.tls(
              TlsConfig.builder().files(o.tlsDir()).reloadInterval(o.tlsReloadInterval()).build());
    }
    return b.build();
  }

  /** The API client (read timeout 0, as informers need). */
  static ApiClient apiClient(StageOptions o) {
    try {
      ClientBuilder builder;
      if (o.kubeconfig() != null) {
        KubeConfig kc;
        try (Reader r = Files.newBufferedReader(o.kubeconfig())) {
          kc = KubeConfig.loadKubeConfig(r);
        }
        kc.setFile(o.kubeconfig().toFile()); // relative certificate paths are relative to the file
        builder = ClientBuilder.kubeconfig(kc);
      } else if (System.getenv("KUBERNETES_SERVICE_HOST") != null) {
        builder = ClientBuilder.cluster();
      } else {
        builder = ClientBuilder.standard();
      }
      return builder.setReadTimeout(Duration.ZERO).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot configure the API client: " + e.getMessage(), e);
    }
  }

  /** A started stage with its metrics server. */
  public static final class Running implements AutoCloseable {
    private final SliceStage stage;
    private final PrometheusMeterRegistry registry;
    private final MetricsServer server;
    private final AutoCloseable jvmMetrics;
    private final List<AutoCloseable> extras;
    private final CountDownLatch closed = new CountDownLatch(1);

    Running(
        SliceStage stage,
        PrometheusMeterRegistry registry,
        MetricsServer server,
        AutoCloseable jvmMetrics,
        List<AutoCloseable> extras) {
      this.stage = stage;
      this.registry = registry;
      this.server = server;
      this.jvmMetrics = jvmMetrics;
      this.extras = List.copyOf(extras);
    }

    /** The stage. */
    public SliceStage stage() {
      return stage;
    }

    /** The registry served on {@code /metrics}. */
    public PrometheusMeterRegistry registry() {
      return registry;
    }

    /** The metrics server, or null when started with {@code --metrics-port -1}. */
    public MetricsServer metricsServer() {
      return server;
    }

    /** Blocks until {@link #close()}. */
    public void awaitClosed() throws InterruptedException {
      closed.await();
    }

    /** Stops the stage, then the metrics server. Idempotent. */
    @Override
    public synchronized void close() {
      if (closed.getCount() == 0) {
        return;
      }
      try {
        stage.stop();
      } finally {
        closeAll(extras);
        if (server != null) {
          server.close();
        }
        try {
          jvmMetrics.close();
        } catch (Exception e) {
          log.debug("closing the JVM meters: {}", e.toString());
        }
        registry.close();
        closed.countDown();
      }
    }
  }
}
