package io.kubedirect.testing.controlplane;

import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * A real Kubernetes control plane on loopback: etcd and kube-apiserver (optionally
 * kube-controller-manager and kube-scheduler) started from the binaries built by {@code
 * hack/build-control-plane.sh}, with data, certificates and logs in a fresh temporary directory.
 *
 * <pre>{@code
 * try (LocalControlPlane cp = LocalControlPlane.builder().controllerManager(true).scheduler(true).start()) {
 *   ApiClient client = cp.apiClient();            // read timeout 0: accepted by SharedInformerFactory
 *   Path kubeconfig = cp.kubeconfig();            // for kubectl or other tools
 * }
 * }</pre>
 *
 * <p>{@link #close()} stops every process (SIGTERM, then SIGKILL after the stop timeout,
 * descendants included) and waits for them; a JVM shutdown hook does the same for instances that
 * were never closed, and the next start in any JVM reaps processes of instances whose JVM was
 * killed.
 */
public interface LocalControlPlane extends AutoCloseable {

  /**
   * Returns a builder with the defaults: etcd + kube-apiserver only, stock client QPS/burst for the
   * optional components, binaries from {@link BinaryLocator#locate()}.
   *
   * @return a new builder
   */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Creates an unstarted control plane for a validated spec.
   *
   * @param spec the settings
   * @return a new instance; call {@link #start()}
   */
  static LocalControlPlane create(ControlPlaneSpec spec) {
    return new DefaultLocalControlPlane(spec);
  }

  /**
   * Starts every component and waits until each is ready. Does nothing if already running.
   *
   * @return this instance
   * @throws MissingBinariesException if an executable is missing
   * @throws ComponentStartException if a component exits or is not ready within the start timeout
   * @throws ControlPlaneException on any other start failure (e.g. the instance was closed)
   */
  LocalControlPlane start();

  /**
   * Tells whether the control plane has been started and not closed.
   *
   * @return true while running
   */
  boolean isRunning();

  /**
   * Returns the settings this instance was created with.
   *
   * @return the spec
   */
  ControlPlaneSpec spec();

  /**
   * Returns the kube-apiserver URL, e.g. {@code https://127.0.0.1:41234}. Stable across {@link
   * #restartApiServer()}.
   *
   * @return the base URL
   */
  String apiServerUrl();

  /**
   * Returns the shared client: authenticated as a {@code system:masters} user, trusting the API
   * server's self-signed CA, read timeout 0 (so {@code SharedInformerFactory} accepts it).
   *
   * @return the client; do not change its settings
   */
  ApiClient apiClient();

  /**
   * Creates a new client like {@link #apiClient()} but with the given read timeout, for
   * request/response calls that should not hang.
   *
   * @param readTimeout read timeout, {@link Duration#ZERO} for none
   * @return a new client
   */
  ApiClient newApiClient(Duration readTimeout);

  /**
   * Returns the admin kubeconfig file (token user, CA file from the certificate directory).
   *
   * @return the path of the kubeconfig
   */
  Path kubeconfig();

  /**
   * Returns the bearer token of the {@code system:masters} user.
   *
   * @return the token
   */
  String bearerToken();

  /**
   * Returns the temporary directory with data, certificates and logs.
   *
   * @return the work directory
   */
  Path workDir();

  /**
   * Returns a component's log file (stdout and stderr, appended across restarts).
   *
   * @param component the component
   * @return the log path (it may not exist if the component is not part of this spec)
   */
  Path logFile(Component component);

  /**
   * Returns the process id of a running component.
   *
   * @param component the component
   * @return its pid, or empty if it is not running
   */
  OptionalLong pid(Component component);

  /**
   * Returns how long the last {@link #start()} took, per component.
   *
   * @return the timings
   */
  StartupTimings startupTimings();

  /**
   * Stops kube-apiserver and starts it again on the same port with the same etcd, certificates and
   * token, and waits until it is ready. Existing clients keep working after the restart.
   *
   * @return the time from stop to ready
   * @throws ComponentStartException if the new kube-apiserver does not become ready
   */
  Duration restartApiServer();

  /** Stops every component and deletes the work directory (unless kept). Idempotent. */
  @Override
  void close();

  /** Collects and validates the settings of a {@link LocalControlPlane}. */
  final class Builder {
    private static final Pattern CONTROLLER_NAME = Pattern.compile("-?[a-z0-9*][a-z0-9-]*");

    private Path binDir;
    private Path workDirParent;
    private boolean controllerManager;
    private boolean scheduler;
    private List<String> controllers = ControlPlaneSpec.DEFAULT_CONTROLLERS;
    private float controllerManagerQps = ControlPlaneSpec.DEFAULT_CONTROLLER_MANAGER_QPS;
    private int controllerManagerBurst = ControlPlaneSpec.DEFAULT_CONTROLLER_MANAGER_BURST;
    private float schedulerQps = ControlPlaneSpec.DEFAULT_SCHEDULER_QPS;
    private int schedulerBurst = ControlPlaneSpec.DEFAULT_SCHEDULER_BURST;
    private Duration startTimeout = Duration.ofSeconds(60);
    private Duration stopTimeout = Duration.ofSeconds(15);
    private boolean keepWorkDir;
    private final Map<Component, List<String>> extraArgs = new EnumMap<>(Component.class);

    Builder() {}

    /**
     * Uses binaries from this directory instead of {@link BinaryLocator#locate()}.
     *
     * @param dir directory with etcd, kube-apiserver, ...
     * @return this builder
     */
    public Builder binDir(Path dir) {
      this.binDir = dir;
      return this;
    }

    /**
     * Creates the work directory under this parent (default: {@code java.io.tmpdir}).
     *
     * @param dir an existing directory
     * @return this builder
     */
    public Builder workDirParent(Path dir) {
      this.workDirParent = dir;
      return this;
    }

    /**
     * Also runs kube-controller-manager (default off).
     *
     * @param enabled whether to run it
     * @return this builder
     */
    public Builder controllerManager(boolean enabled) {
      this.controllerManager = enabled;
      return this;
    }

    /**
     * Also runs kube-scheduler (default off).
     *
     * @param enabled whether to run it
     * @return this builder
     */
    public Builder scheduler(boolean enabled) {
      this.scheduler = enabled;
      return this;
    }

    /**
     * Sets kube-controller-manager's {@code --controllers} (default {@link
     * ControlPlaneSpec#DEFAULT_CONTROLLERS}).
     *
     * @param names controller names
     * @return this builder
     */
    public Builder controllers(List<String> names) {
      this.controllers = List.copyOf(names);
      return this;
    }

    /**
     * Sets kube-controller-manager's client QPS and burst (default 20/30, the stock values).
     *
     * @param qps {@code --kube-api-qps}, greater than 0
     * @param burst {@code --kube-api-burst}, at least 1
     * @return this builder
     */
    public Builder controllerManagerRateLimit(float qps, int burst) {
      this.controllerManagerQps = qps;
      this.controllerManagerBurst = burst;
      return this;
    }

    /**
     * Sets kube-scheduler's client QPS and burst (default 50/100, the stock values).
     *
     * @param qps {@code --kube-api-qps}, greater than 0
     * @param burst {@code --kube-api-burst}, at least 1
     * @return this builder
     */
    public Builder schedulerRateLimit(float qps, int burst) {
      this.schedulerQps = qps;
      this.schedulerBurst = burst;
      return this;
    }

    /**
     * Sets how long each component may take to become ready (default 60 s).
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder startTimeout(Duration timeout) {
      this.startTimeout = timeout;
      return this;
    }

    /**
     * Sets how long a component may take to exit after SIGTERM before it is killed (default 15 s).
     *
     * @param timeout a positive duration
     * @return this builder
     */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = timeout;
      return this;
    }

    /**
     * Keeps the work directory (data and logs) after a clean stop (default false; it is always kept
     * after a failed start).
     *
     * @param keep whether to keep it
     * @return this builder
     */
    public Builder keepWorkDir(boolean keep) {
      this.keepWorkDir = keep;
      return this;
    }

    /**
     * Appends flags to a component's command line; later flags override the launcher's defaults.
     *
     * @param component the component
     * @param flags flags of the form {@code --name=value}
     * @return this builder
     */
    public Builder extraArgs(Component component, String... flags) {
      Objects.requireNonNull(component, "component");
      List<String> list = new ArrayList<>(extraArgs.getOrDefault(component, List.of()));
      list.addAll(List.of(flags));
      extraArgs.put(component, List.copyOf(list));
      return this;
    }

    /**
     * Validates the settings.
     *
     * @return the validated spec
     * @throws IllegalStateException if a setting is invalid
     */
    public ControlPlaneSpec buildSpec() {
      if (!(controllerManagerQps > 0) || controllerManagerBurst < 1) {
        throw new IllegalStateException(
            "kube-controller-manager qps must be > 0 and burst >= 1, got "
                + controllerManagerQps
                + "/"
                + controllerManagerBurst);
      }
      if (!(schedulerQps > 0) || schedulerBurst < 1) {
        throw new IllegalStateException(
            "kube-scheduler qps must be > 0 and burst >= 1, got "
                + schedulerQps
                + "/"
                + schedulerBurst);
      }
      requirePositive("startTimeout", startTimeout);
      requirePositive("stopTimeout", stopTimeout);
      if (controllers.isEmpty()) {
        throw new IllegalStateException("controllers must not be empty");
      }
      for (String c : controllers) {
        if (c == null || !CONTROLLER_NAME.matcher(c).matches()) {
          throw new IllegalStateException("invalid controller name '" + c + "'");
        }
      }
      for (Map.Entry<Component, List<String>> e : extraArgs.entrySet()) {
        for (String f : e.getValue()) {
          if (f == null || !f.startsWith("--") || f.length() < 3) {
            throw new IllegalStateException(
                "extra argument for "
                    + e.getKey().binaryName()
                    + " must look like --flag[=value], got '"
                    + f
                    + "'");
          }
        }
      }
      Path parent =
          workDirParent != null ? workDirParent : Path.of(System.getProperty("java.io.tmpdir"));
      BinaryLocator.Location bins =
          binDir != null
              ? new BinaryLocator.Location(binDir, "LocalControlPlane.Builder.binDir")
              : BinaryLocator.locate();
      return new ControlPlaneSpec(
          bins,
          parent,
          controllerManager,
          scheduler,
          controllers,
          controllerManagerQps,
          controllerManagerBurst,
          schedulerQps,
          schedulerBurst,
          startTimeout,
          stopTimeout,
          keepWorkDir,
          extraArgs);
    }

    /**
     * Validates the settings and creates an unstarted control plane.
     *
     * @return the control plane; call {@link LocalControlPlane#start()}
     * @throws IllegalStateException if a setting is invalid
     */
    public LocalControlPlane build() {
      return create(buildSpec());
    }

    /**
     * Shorthand for {@code build().start()}.
     *
     * @return the running control plane
     */
    public LocalControlPlane start() {
      return build().start();
    }

    private static void requirePositive(String name, Duration d) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalStateException(name + " must be positive, got " + d);
      }
    }
  }
}
