package io.kubedirect.examples.faas;

import io.kubedirect.examples.faas.StageOptions.Stage;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.ReplicaSetController;
import io.kubedirect.examples.faas.direct.SandboxManager;
import io.kubedirect.examples.faas.direct.SchedulerController;
import io.kubedirect.metrics.prometheus.KubeDirectPrometheus;
import io.kubedirect.metrics.prometheus.MetricsServer;
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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one stage of the retrofitted example slice ({@code faas/direct}) as its own process, as the
 * manifests in {@code deploy/} do: the replicaset stage dials the scheduler, the scheduler listens
 * for it and dials the sandbox manager, which serves the pool nodes given with {@code --nodes} and
 * writes the pods back. Every process serves its meters in Prometheus format on {@code /metrics},
 * and {@code /healthz} (the stage runs) and {@code /readyz} (its informers have synced) for the
 * kubelet's probes. See {@link StageOptions#USAGE}.
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
    Running running = start(options);
    Runtime.getRuntime().addShutdownHook(new Thread(running::close, "stage-shutdown"));
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
    ApiClient api = apiClient(o);
    PrometheusMeterRegistry registry = KubeDirectPrometheus.newRegistry();
    AutoCloseable jvmMetrics = KubeDirectPrometheus.bindJvmMetrics(registry);
    DirectLinks links =
        links(o).withTransports(stage -> transport(stage, o, registry)).withMeterRegistry(registry);
    SliceStage stage =
        switch (o.stage()) {
          case REPLICASET -> new ReplicaSetController(api, links);
          case SCHEDULER -> new SchedulerController(api, links);
          case SANDBOX_MANAGER ->
              SandboxManager.builder(api)
                  .links(links, o.listen())
                  .podIpBlock(o.podIpBlock())
                  .startDelay(Duration.ZERO, o.maxStartDelay())
                  .build();
        };
    MetricsServer server = null;
    try {
      if (o.metricsPort() >= 0) {
        server =
            MetricsServer.builder(registry)
                .host(o.metricsHost())
                .port(o.metricsPort())
                .liveness(stage::isRunning)
                .readiness(stage::hasSynced)
                .start();
      }
      stage.start();
    } catch (RuntimeException e) {
      if (server != null) {
        server.close();
      }
      stage.stop();
      throw e;
    }
    log.info(
        "stage {} started{}",
        o.stage().flag(),
        server == null ? "" : "; metrics on " + server.uri() + "/metrics");
    return new Running(stage, registry, server, jvmMetrics);
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
    private final CountDownLatch closed = new CountDownLatch(1);

    Running(
        SliceStage stage,
        PrometheusMeterRegistry registry,
        MetricsServer server,
        AutoCloseable jvmMetrics) {
      this.stage = stage;
      this.registry = registry;
      this.server = server;
      this.jvmMetrics = jvmMetrics;
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
