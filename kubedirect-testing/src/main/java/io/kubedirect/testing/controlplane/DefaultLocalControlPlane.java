package io.kubedirect.testing.controlplane;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.credentials.AccessTokenAuthentication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Default {@link LocalControlPlane}: child processes managed by this JVM. Thread-safe. */
final class DefaultLocalControlPlane implements LocalControlPlane {
  private static final Logger LOG = LoggerFactory.getLogger(DefaultLocalControlPlane.class);
  private static final int START_ATTEMPTS = 3;
  private static final int LOG_TAIL_LINES = 40;
  private static final Duration POLL_INTERVAL = Duration.ofMillis(50);
  private static final AtomicBoolean REAPED = new AtomicBoolean();
  private static final SecureRandom RANDOM = new SecureRandom();

  private enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final ControlPlaneSpec spec;

  /** Read without the instance lock by the shutdown hook, hence concurrent. */
  private final Map<Component, ManagedProcess> processes = new ConcurrentHashMap<>();

  private State state = State.NEW;
  private volatile Layout layout;
  private ApiClient apiClient;
  private StartupTimings timings;
  private boolean failed;

  DefaultLocalControlPlane(ControlPlaneSpec spec) {
    this.spec = spec;
  }

  @Override
  public synchronized LocalControlPlane start() {
    if (state == State.RUNNING) {
      return this;
    }
    if (state == State.CLOSED) {
      throw new ControlPlaneException("this control plane was closed; create a new one");
    }
    BinaryLocator.require(spec.binaries(), spec.components());
    if (REAPED.compareAndSet(false, true)) {
      OrphanReaper.reap(spec.workDirParent(), spec.binaries().dir());
    }
    ShutdownHook.register(this);
    for (int attempt = 1; ; attempt++) {
      try {
        startOnce();
        state = State.RUNNING;
        LOG.info(
            "local control plane up at {} in {} (work dir {})",
            layout.apiServerUrl(),
            timings.summary(),
            layout.workDir());
        if (spec.controllerManager()) {
          LOG.info(
              "kube-controller-manager: controllers={} kube-api-qps={} kube-api-burst={}",
              String.join(",", spec.controllers()),
              spec.controllerManagerQps(),
              spec.controllerManagerBurst());
        }
        if (spec.scheduler()) {
          LOG.info(
              "kube-scheduler: kube-api-qps={} kube-api-burst={}",
              spec.schedulerQps(),
              spec.schedulerBurst());
        }
        return this;
      } catch (ComponentStartException e) {
        stopProcesses();
        boolean portClash = e.logTail().contains("address already in use");
        if (!portClash || attempt >= START_ATTEMPTS) {
          fail();
          throw e;
        }
        LOG.warn(
            "{} lost a port race (attempt {}/{}); retrying with fresh ports",
            e.component().binaryName(),
            attempt,
            START_ATTEMPTS);
        deleteWorkDirQuietly();
      } catch (RuntimeException | Error e) {
        stopProcesses();
        fail();
        throw e;
      }
    }
  }

  private void fail() {
    failed = true;
    state = State.CLOSED;
    ShutdownHook.unregister(this);
    if (layout != null) {
      LOG.warn("control plane failed to start; logs kept in {}", layout.logDir());
    }
  }

  private void startOnce() {
    long t0 = System.nanoTime();
    layout = prepareWorkDir();
    // RSA key generation takes a noticeable time on a busy machine: overlap it with etcd's start.
    CompletableFuture<Void> saKey = CompletableFuture.runAsync(this::writeServiceAccountKey);
    Map<Component, Duration> perComponent = new EnumMap<>(Component.class);

    HttpClient etcdProbe = Probes.client(null);
    perComponent.put(
        Component.ETCD,
        launch(
            Component.ETCD,
            () -> Probes.ok(etcdProbe, layout.etcdUrl() + "/health", null, "true")));

    try {
      saKey.join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
    perComponent.put(Component.KUBE_APISERVER, launchApiServer());
    writeKubeconfig();
    apiClient = newApiClient(Duration.ZERO);

    if (spec.controllerManager()) {
      Path crt = layout.workDir().resolve("kcm-pki").resolve("kube-controller-manager.crt");
      String url = "https://" + Layout.HOST + ":" + layout.controllerManagerPort() + "/healthz";
      perComponent.put(
          Component.KUBE_CONTROLLER_MANAGER,
          launch(Component.KUBE_CONTROLLER_MANAGER, httpsProbe(crt, url)));
    }
    if (spec.scheduler()) {
      Path crt = layout.workDir().resolve("scheduler-pki").resolve("kube-scheduler.crt");
      String url = "https://" + Layout.HOST + ":" + layout.schedulerPort() + "/readyz";
      perComponent.put(
          Component.KUBE_SCHEDULER, launch(Component.KUBE_SCHEDULER, httpsProbe(crt, url)));
    }
    timings = new StartupTimings(perComponent, Duration.ofNanos(System.nanoTime() - t0));
  }

  /**
   * Probe over HTTPS that trusts the self-signed certificate the component writes to {@code crt}.
   */
  private static BooleanSupplier httpsProbe(Path crt, String url) {
    HttpClient[] client = new HttpClient[1];
    return () -> {
      if (client[0] == null) {
        if (!Files.isRegularFile(crt)) {
          return false;
        }
        client[0] = Probes.client(crt);
      }
      return Probes.ok(client[0], url, null, null);
    };
  }

  private Duration launchApiServer() {
    HttpClient[] client = new HttpClient[1];
    return launch(
        Component.KUBE_APISERVER,
        () -> {
          if (client[0] == null) {
            if (!certReady(layout.apiServerCert())) {
              return false;
            }
            client[0] = Probes.client(layout.apiServerCert());
          }
          return Probes.ok(client[0], layout.apiServerUrl() + "/readyz", layout.token(), null)
              && Probes.ok(
                  client[0],
                  layout.apiServerUrl() + "/api/v1/namespaces/default",
                  layout.token(),
                  null);
        });
  }

  /**
   * The certificate file exists and holds at least one complete PEM block (it may be mid-write).
   */
  private static boolean certReady(Path crt) {
    try {
      return Files.isRegularFile(crt)
          && Files.readString(crt).contains("-----END CERTIFICATE-----");
    } catch (IOException e) {
      return false;
    }
  }

  private Layout prepareWorkDir() {
    try {
      Files.createDirectories(spec.workDirParent());
      Path dir = Files.createTempDirectory(spec.workDirParent(), OrphanReaper.DIR_PREFIX);
      Files.writeString(dir.resolve(OrphanReaper.OWNER_FILE), OrphanReaper.ownerRecord());
      int[] ports = FreePorts.allocate(5);
      byte[] tok = new byte[24];
      RANDOM.nextBytes(tok);
      Layout l =
          new Layout(
              dir, ports[0], ports[1], ports[2], ports[3], ports[4], HexFormat.of().formatHex(tok));
      Files.createDirectories(l.pkiDir());
      Files.createDirectories(l.logDir());
      Files.writeString(
          l.tokenFile(),
          l.token() + "," + Layout.ADMIN_USER + "," + Layout.ADMIN_USER + ",\"system:masters\"\n");
      return l;
    } catch (IOException e) {
      throw new ControlPlaneException(
          "cannot prepare the work directory under " + spec.workDirParent(), e);
    }
  }

  private void writeServiceAccountKey() {
    try {
      Files.writeString(layout.serviceAccountKey(), Pem.newRsaPrivateKeyPem());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + layout.serviceAccountKey(), e);
    }
  }

  private void writeKubeconfig() {
    try {
      Files.writeString(
          layout.kubeconfig(),
          Kubeconfigs.render(
              layout.apiServerUrl(), layout.apiServerCert(), Layout.ADMIN_USER, layout.token()),
          StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + layout.kubeconfig(), e);
    }
  }

  /** Starts a component and polls {@code ready} until it holds; returns the time it took. */
  private Duration launch(Component c, BooleanSupplier ready) {
    long t0 = System.nanoTime();
    ManagedProcess p;
    try {
      p =
          ManagedProcess.start(
              c, ComponentArgs.command(c, spec, layout), layout.logFile(c), layout.pidDir());
    } catch (IOException e) {
      throw new ComponentStartException(
          c,
          "cannot execute " + spec.binaries().dir().resolve(c.binaryName()) + ": " + e.getMessage(),
          layout.logFile(c),
          LogTail.tail(layout.logFile(c), LOG_TAIL_LINES),
          e);
    }
    processes.put(c, p);
    long deadline = t0 + spec.startTimeout().toNanos();
    while (true) {
      if (!p.isAlive()) {
        throw new ComponentStartException(
            c,
            "exited with code " + p.exitCodeOrRunning(),
            p.logFile(),
            LogTail.tail(p.logFile(), LOG_TAIL_LINES),
            null);
      }
      if (ready.getAsBoolean()) {
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        LOG.debug("{} ready in {} ms", c.binaryName(), took.toMillis());
        return took;
      }
      if (System.nanoTime() > deadline) {
        throw new ComponentStartException(
            c,
            "not ready within " + spec.startTimeout(),
            p.logFile(),
            LogTail.tail(p.logFile(), LOG_TAIL_LINES),
            null);
      }
      pause();
    }
  }

  private static void pause() {
    try {
      TimeUnit.NANOSECONDS.sleep(POLL_INTERVAL.toNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ControlPlaneException("interrupted while waiting for the control plane");
    }
  }

  @Override
  public synchronized boolean isRunning() {
    return state == State.RUNNING;
  }

  @Override
  public ControlPlaneSpec spec() {
    return spec;
  }

  @Override
  public synchronized String apiServerUrl() {
    return requireLayout().apiServerUrl();
  }

  @Override
  public synchronized ApiClient apiClient() {
    requireRunning();
    return apiClient;
  }

  @Override
  public synchronized ApiClient newApiClient(Duration readTimeout) {
    Layout l = requireLayout();
    try {
      return new ClientBuilder()
          .setBasePath(l.apiServerUrl())
          .setAuthentication(new AccessTokenAuthentication(l.token()))
          .setCertificateAuthority(Files.readAllBytes(l.apiServerCert()))
          .setVerifyingSsl(true)
          .setReadTimeout(readTimeout)
          .build();
    } catch (IOException e) {
      throw new ControlPlaneException("cannot read the API server CA " + l.apiServerCert(), e);
    }
  }

  @Override
  public synchronized Path kubeconfig() {
    return requireLayout().kubeconfig();
  }

  @Override
  public synchronized String bearerToken() {
    return requireLayout().token();
  }

  @Override
  public synchronized Path workDir() {
    return requireLayout().workDir();
  }

  @Override
  public synchronized Path logFile(Component component) {
    return requireLayout().logFile(component);
  }

  @Override
  public OptionalLong pid(Component component) {
    ManagedProcess p = processes.get(component);
    return p != null && p.isAlive() ? OptionalLong.of(p.pid()) : OptionalLong.empty();
  }

  @Override
  public synchronized StartupTimings startupTimings() {
    requireLayout();
    return timings;
  }

  @Override
  public synchronized Duration restartApiServer() {
    requireRunning();
    long t0 = System.nanoTime();
    ManagedProcess old = processes.remove(Component.KUBE_APISERVER);
    if (old != null) {
      old.stop(spec.stopTimeout());
    }
    Duration ready;
    try {
      ready = launchApiServer();
    } catch (ComponentStartException e) {
      LOG.warn("kube-apiserver did not come back after a restart; logs in {}", layout.logDir());
      throw e;
    }
    Duration total = Duration.ofNanos(System.nanoTime() - t0);
    LOG.info(
        "kube-apiserver restarted in {} ms (ready {} ms after launch)",
        total.toMillis(),
        ready.toMillis());
    return total;
  }

  @Override
  public void close() {
    synchronized (this) {
      if (state == State.CLOSED && processes.isEmpty()) {
        return;
      }
      state = State.CLOSED;
    }
    ShutdownHook.unregister(this);
    synchronized (this) {
      stopProcesses();
      if (layout != null && !spec.keepWorkDir() && !failed) {
        deleteWorkDirQuietly();
      }
    }
  }

  /** Called from the JVM shutdown hook: kill fast, do not wait for graceful shutdown. */
  void killForShutdown() {
    reverseStartOrder().forEach(ManagedProcess::kill);
  }

  /** Stops components in reverse start order. */
  private void stopProcesses() {
    for (ManagedProcess p : reverseStartOrder()) {
      // etcd last, after its clients are gone; each waits for its process tree.
      p.stop(spec.stopTimeout());
    }
    processes.clear();
  }

  private List<ManagedProcess> reverseStartOrder() {
    List<ManagedProcess> list = new ArrayList<>(processes.values());
    list.sort(Comparator.comparing((ManagedProcess p) -> p.component().ordinal()).reversed());
    return list;
  }

  private void deleteWorkDirQuietly() {
    try {
      Files2.deleteRecursively(layout.workDir());
    } catch (IOException e) {
      LOG.debug("could not delete {}: {}", layout.workDir(), e.toString());
    }
  }

  private Layout requireLayout() {
    if (layout == null) {
      throw new ControlPlaneException("the control plane has not been started");
    }
    return layout;
  }

  private void requireRunning() {
    if (state != State.RUNNING) {
      throw new ControlPlaneException("the control plane is not running (state " + state + ")");
    }
  }

  @Override
  public String toString() {
    Layout l = layout;
    return "LocalControlPlane["
        + (l == null ? "not started" : l.apiServerUrl() + ", " + l.workDir())
        + ", components="
        + spec.components()
        + "]";
  }

  /** One JVM shutdown hook for all live instances. */
  static final class ShutdownHook {
    private static final Set<DefaultLocalControlPlane> LIVE = new LinkedHashSet<>();
    private static boolean installed;

    private ShutdownHook() {}

    static synchronized void register(DefaultLocalControlPlane cp) {
      if (!installed) {
        Runtime.getRuntime()
            .addShutdownHook(new Thread(ShutdownHook::runAll, "kubedirect-cp-shutdown"));
        installed = true;
      }
      LIVE.add(cp);
    }

    static synchronized void unregister(DefaultLocalControlPlane cp) {
      LIVE.remove(cp);
    }

    private static void runAll() {
      List<DefaultLocalControlPlane> all;
      synchronized (ShutdownHook.class) {
        all = new ArrayList<>(LIVE);
        LIVE.clear();
      }
      for (DefaultLocalControlPlane cp : all) {
        cp.killForShutdown();
        // The work directory stays if we cannot delete it; the next start's orphan scan removes it.
        if (cp.layout != null && !cp.spec.keepWorkDir()) {
          cp.deleteWorkDirQuietly();
        }
      }
    }
  }
}
