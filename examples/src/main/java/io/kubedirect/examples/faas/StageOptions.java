package io.kubedirect.examples.faas;

import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.transport.PeerAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Command-line options of {@link StageMain}: which stage of the retrofitted example slice this
 * process runs, where it listens and dials, its TLS material, and its metrics port.
 *
 * @param stage the stage this process runs
 * @param kubeconfig the kubeconfig to use; null: in-cluster config when running in a pod, else the
 *     standard lookup ({@code $KUBECONFIG}, {@code ~/.kube/config})
 * @param listen where this stage accepts links (the scheduler and the sandbox manager: default
 *     port; the deployment, replicaset and activator stages: their {@code --peer} entry; null: the
 *     stage accepts none)
 * @param schedulerAddress where the replicaset stage dials the scheduler
 * @param sandboxManagerAddress where the scheduler dials the sandbox manager
 * @param nodes the pool nodes the sandbox manager serves and the scheduler routes to it
 * @param tlsDir directory with {@code tls.crt}, {@code tls.key} and {@code ca.crt} (a mounted
 *     {@code kubernetes.io/tls} Secret); null with {@code plaintext}
 * @param tlsReloadInterval how often the TLS files are checked for changes
 * @param plaintext links without TLS (loopback only unless {@code plaintextAnyAddress})
 * @param plaintextAnyAddress allows plaintext links on non-loopback addresses (trusted networks
 *     only)
 * @param metricsHost address of the metrics and probe server
 * @param metricsPort port of the metrics and probe server (0: any free port; -1: no server)
 * @param podIpBlock the sandbox manager's pod IPs come from 10.&lt;block&gt;.0.0/16
 * @param maxStartDelay the sandbox manager's simulated sandbox start delay, uniform in [0, max]
 * @param election with {@code --leader-election}: this process is one replica of its stage, elected
 *     through the Lease {@code kubedirect-<stage>}, and finds its downstream stage's leader through
 *     that stage's Lease (the {@code --*-address} options are then not used); null: the only
 *     instance of its stage
 * @param variant which copy of the stage runs: the retrofitted one (direct links) or the plain one
 *     (everything through the API Server; no links, no TLS)
 * @param peers link addresses of the other receiving stages of the chain by stage name ({@code
 *     deployment}, {@code replicaset}, {@code activator}), from {@code --peer STAGE=HOST:PORT}
 * @param httpPort the activator's HTTP port (0: any free port)
 * @param statsListen where the autoscaler accepts stats ({@code POST /stats}) from the activator
 * @param statsAddress where the activator sends its stats (the autoscaler's {@code statsListen})
 * @param autoscalerConfig {@code config-autoscaler} overrides of the autoscaler (over the chain's
 *     defaults)
 * @param httpSandboxes whether the sandbox manager runs sandboxes that serve HTTP (the chain) or
 *     only simulated ones (the slice)
 * @param parentPid when not null, the process stops as on SIGTERM once this process has exited (a
 *     launcher that dies takes its stages with it)
 */
public record StageOptions(
    Stage stage,
    Path kubeconfig,
    PeerAddress listen,
    PeerAddress schedulerAddress,
    PeerAddress sandboxManagerAddress,
    List<String> nodes,
    Path tlsDir,
    Duration tlsReloadInterval,
    boolean plaintext,
    boolean plaintextAnyAddress,
    String metricsHost,
    int metricsPort,
    int podIpBlock,
    Duration maxStartDelay,
    DirectLinks.Election election,
    Variant variant,
    Map<String, PeerAddress> peers,
    int httpPort,
    PeerAddress statsListen,
    PeerAddress statsAddress,
    Map<String, String> autoscalerConfig,
    boolean httpSandboxes,
    Long parentPid) {

  /** Link port of the scheduler. */
  public static final int SCHEDULER_PORT = 7301;

  /** Link port of the sandbox manager. */
  public static final int SANDBOX_MANAGER_PORT = 7302;

  /** Port of the metrics and probe server. */
  public static final int METRICS_PORT = 9090;

  /** Port of the activator's HTTP front door. */
  public static final int HTTP_PORT = 8080;

  /** Port of the autoscaler's stat intake. */
  public static final int STATS_PORT = 7400;

  /** Which copy of a stage runs. */
  public enum Variant {
    /** The plain client-java controller ({@code faas/plain}): every hop through the API Server. */
    PLAIN,
    /** The retrofitted controller ({@code faas/direct}): direct links, written back lazily. */
    DIRECT;

    static Variant parse(String s) {
      return switch (s) {
        case "plain" -> PLAIN;
        case "direct" -> DIRECT;
        default ->
            throw new IllegalArgumentException("unknown variant '" + s + "' (plain, direct)");
      };
    }
  }

  /** The stages {@link StageMain} can run. */
  public enum Stage {
    /** The autoscaler (KPA): desired scale of the functions' Deployments. */
    AUTOSCALER(DirectLinks.AUTOSCALER),
    /** The deployment stage: desired replicas of the ReplicaSets. */
    DEPLOYMENT(DirectLinks.DEPLOYMENT),
    /** The activator: the chain's HTTP front door. */
    ACTIVATOR(DirectLinks.ACTIVATOR),
    /** The producer of pods (head of the slice). */
    REPLICASET(DirectLinks.REPLICASET),
    /** The scheduler (relay). */
    SCHEDULER(DirectLinks.SCHEDULER),
    /** The sandbox manager (tail: writes pods back). */
    SANDBOX_MANAGER(DirectLinks.SANDBOX_MANAGER);

    private final String flag;

    Stage(String flag) {
      this.flag = flag;
    }

    /** The stage name, as on the command line and in the {@code @DirectStage} annotations. */
    public String flag() {
      return flag;
    }

    static Stage parse(String s) {
      for (Stage st : values()) {
        if (st.flag.equals(s)) {
          return st;
        }
      }
      throw new IllegalArgumentException(
          "unknown stage '"
              + s
              + "' (autoscaler, deployment, replicaset, scheduler, sandbox-manager, activator)");
    }
  }

  /** Usage text. */
  public static final String USAGE =
      String.join(
          "\n",
          "usage: StageMain --stage STAGE [options]",
          "  --stage STAGE                   autoscaler, deployment, replicaset, scheduler, sandbox-manager or",
          "                                  activator (the slice of deploy/: replicaset, scheduler, sandbox-manager)",
          "  --variant direct|plain          the retrofitted stage (direct links; default) or its plain copy (all",
          "                                  through the API Server: no links, no --tls-dir)",
          "  --kubeconfig PATH               kubeconfig (default: in-cluster config in a pod, else $KUBECONFIG or",
          "                                  ~/.kube/config)",
          "  --listen HOST:PORT              where links are accepted (scheduler: 0.0.0.0:7301, sandbox-manager:",
          "                                  0.0.0.0:7302)",
          "  --scheduler-address HOST:PORT   where the replicaset stage dials the scheduler (scheduler:7301)",
          "  --sandbox-manager-address HOST:PORT",
          "                                  where the scheduler dials the sandbox manager (sandbox-manager:7302)",
          "  --nodes N1,N2,...               pool nodes served by the sandbox manager (scheduler, sandbox-manager)",
          "  --tls-dir DIR                   tls.crt, tls.key and ca.crt of this stage (a mounted kubernetes.io/tls",
          "                                  Secret); reloaded when they change",
          "  --tls-reload-interval DURATION  how often the TLS files are checked (10s)",
          "  --plaintext                     links without TLS, loopback addresses only",
          "  --plaintext-any-address         with --plaintext: also on other addresses (trusted networks only)",
          "  --metrics-host HOST             address of /metrics, /healthz and /readyz (0.0.0.0)",
          "  --metrics-port PORT             their port (9090; 0: any free port; -1: none)",
          "  --pod-ip-block N                sandbox-manager: pod IPs from 10.N.0.0/16 (0)",
          "  --max-start-delay DURATION      sandbox-manager: simulated sandbox start delay, 0..max (50ms)",
          "  --leader-election               run as one of several replicas: the holder of the Lease",
          "                                  kubedirect-<stage> runs the stage, the others wait; downstream stages",
          "                                  are found through their Leases (the --*-address options are not used)",
          "  --lease-namespace NS            namespace of the Leases (default: $POD_NAMESPACE)",
          "  --identity ID                   this replica's name in the Lease (default: $POD_NAME, else the host",
          "                                  name and a random suffix)",
          "  --advertise-address HOST:PORT   the link address written into the Lease while this replica leads",
          "                                  (default: --listen, unless it is a wildcard address; then required)",
          "  --lease-duration DURATION       leader election timings (15s, 10s, 2s)",
          "  --renew-deadline DURATION",
          "  --retry-period DURATION",
          "  --peer STAGE=HOST:PORT          link address of another receiving stage of the chain (deployment,",
          "                                  replicaset, activator); repeatable; a stage listens at its own entry",
          "  --http-port PORT                activator: the HTTP front door, POST /fn/NS/NAME (8080; 0: any)",
          "  --stats-listen HOST:PORT        autoscaler: where the activator's stats come in (0.0.0.0:7400)",
          "  --stats-address HOST:PORT       activator: where it sends its stats (autoscaler:7400)",
          "  --autoscaler-config K=V,...     autoscaler: config-autoscaler overrides (e.g. stable-window=6s)",
          "  --http-sandboxes                sandbox-manager: sandboxes serve HTTP (the chain); else simulated",
          "  --parent-pid PID                stop (as on SIGTERM) when process PID exits",
          "  --help                          this text",
          "DURATION: 250ms, 10s, 1m or ISO-8601 (PT10S).");

  /** Validates. */
  public StageOptions {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(variant, "variant");
    nodes = List.copyOf(nodes);
    peers = Map.copyOf(peers);
    autoscalerConfig = Map.copyOf(autoscalerConfig);
    if (variant == Variant.DIRECT && (tlsDir == null) == !plaintext) {
      throw new IllegalArgumentException("give exactly one of --tls-dir DIR and --plaintext");
    }
    if (variant == Variant.PLAIN && election != null) {
      throw new IllegalArgumentException("--leader-election needs --variant direct");
    }
    if (httpPort < 0 || httpPort > 65535) {
      throw new IllegalArgumentException("--http-port must be 0..65535: " + httpPort);
    }
    if (plaintextAnyAddress && !plaintext) {
      throw new IllegalArgumentException("--plaintext-any-address needs --plaintext");
    }
    if ((stage == Stage.SANDBOX_MANAGER || (stage == Stage.SCHEDULER && variant == Variant.DIRECT))
        && nodes.isEmpty()) {
      throw new IllegalArgumentException("--nodes is required for the " + stage.flag() + " stage");
    }
    if (metricsPort < -1 || metricsPort > 65535) {
      throw new IllegalArgumentException("--metrics-port must be -1..65535: " + metricsPort);
    }
    if (podIpBlock < 0 || podIpBlock > 255) {
      throw new IllegalArgumentException("--pod-ip-block must be 0..255: " + podIpBlock);
    }
    if (maxStartDelay.isNegative() || tlsReloadInterval.isNegative()) {
      throw new IllegalArgumentException("durations must not be negative");
    }
    if (election != null
        && listen != null
        && election.advertise() == null
        && (listen.host().equals("0.0.0.0") || listen.host().equals("::"))) {
      throw new IllegalArgumentException(
          "--leader-election: give --advertise-address (e.g. the pod IP and the link "
              + "port): upstream stages dial the address the leader writes into its Lease, and --listen "
              + listen
              + " is a wildcard address");
    }
  }

  /**
   * Parses the command line; {@code --help} gives null.
   *
   * @throws IllegalArgumentException on an unknown flag, a missing or malformed value or a bad
   *     combination
   */
  public static StageOptions parse(String... args) {
    Stage stage = null;
    Path kubeconfig = null;
    PeerAddress listen = null;
    PeerAddress scheduler = new PeerAddress("scheduler", SCHEDULER_PORT);
    PeerAddress sandboxManager = new PeerAddress("sandbox-manager", SANDBOX_MANAGER_PORT);
    List<String> nodes = List.of();
    Path tlsDir = null;
    Duration reload = Duration.ofSeconds(10);
    boolean plaintext = false;
    boolean anyAddress = false;
    String metricsHost = "0.0.0.0";
    int metricsPort = METRICS_PORT;
    int ipBlock = 0;
    Duration maxDelay = Duration.ofMillis(50);
    boolean elect = false;
    String leaseNamespace = System.getenv("POD_NAMESPACE");
    String identity = System.getenv("POD_NAME");
    PeerAddress advertise = null;
    Duration leaseDuration = Duration.ofSeconds(15);
    Duration renewDeadline = Duration.ofSeconds(10);
    Duration retryPeriod = Duration.ofSeconds(2);
    Variant variant = Variant.DIRECT;
    Map<String, PeerAddress> peers = new LinkedHashMap<>();
    int httpPort = HTTP_PORT;
    PeerAddress statsListen = new PeerAddress("0.0.0.0", STATS_PORT);
    PeerAddress statsAddress = new PeerAddress("autoscaler", STATS_PORT);
    Map<String, String> autoscalerConfig = new LinkedHashMap<>();
    boolean httpSandboxes = false;
    Long parentPid = null;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String flag = arg;
      String value = null;
      int eq = arg.indexOf('=');
      if (arg.startsWith("--") && eq > 0) {
        flag = arg.substring(0, eq);
        value = arg.substring(eq + 1);
      }
      switch (flag) {
        case "--help", "-h" -> {
          return null;
        }
        case "--plaintext" -> plaintext = true;
        case "--plaintext-any-address" -> anyAddress = true;
        case "--leader-election" -> elect = true;
        case "--http-sandboxes" -> httpSandboxes = true;
        default -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException("missing value for " + flag);
            }
            value = args[++i];
          }
          try {
            switch (flag) {
              case "--stage" -> stage = Stage.parse(value);
              case "--kubeconfig" -> kubeconfig = Path.of(value);
              case "--listen" -> listen = address(value);
              case "--scheduler-address" -> scheduler = address(value);
              case "--sandbox-manager-address" -> sandboxManager = address(value);
              case "--nodes" ->
                  nodes =
                      Arrays.stream(value.split(","))
                          .map(String::trim)
                          .filter(n -> !n.isEmpty())
                          .distinct()
                          .toList();
              case "--tls-dir" -> tlsDir = Path.of(value);
              case "--tls-reload-interval" -> reload = duration(value);
              case "--metrics-host" -> metricsHost = value;
              case "--metrics-port" -> metricsPort = Integer.parseInt(value);
              case "--pod-ip-block" -> ipBlock = Integer.parseInt(value);
              case "--max-start-delay" -> maxDelay = duration(value);
              case "--lease-namespace" -> leaseNamespace = value;
              case "--identity" -> identity = value;
              case "--advertise-address" -> advertise = address(value);
              case "--lease-duration" -> leaseDuration = duration(value);
              case "--renew-deadline" -> renewDeadline = duration(value);
              case "--retry-period" -> retryPeriod = duration(value);
              case "--variant" -> variant = Variant.parse(value);
              case "--peer" -> {
                int at = value.indexOf('=');
                if (at <= 0) {
                  throw new IllegalArgumentException(
                      "expected STAGE=HOST:PORT, got '" + value + "'");
                }
                peers.put(value.substring(0, at), address(value.substring(at + 1)));
              }
              case "--http-port" -> httpPort = Integer.parseInt(value);
              case "--stats-listen" -> statsListen = address(value);
              case "--stats-address" -> statsAddress = address(value);
              case "--autoscaler-config" -> {
                for (String kv : value.split(",")) {
                  int at = kv.indexOf('=');
                  if (at <= 0) {
                    throw new IllegalArgumentException("expected KEY=VALUE, got '" + kv + "'");
                  }
                  autoscalerConfig.put(kv.substring(0, at).trim(), kv.substring(at + 1).trim());
                }
              }
              case "--parent-pid" -> parentPid = Long.parseLong(value);
              default -> throw new IllegalArgumentException("unknown flag " + flag);
            }
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad number for " + flag + ": " + value, e);
          }
        }
      }
    }
    if (stage == null) {
      throw new IllegalArgumentException("--stage is required");
    }
    if (listen == null) {
      // The listening stages of the slice have fixed ports; the others of the chain listen at their
      // --peer entry (none: the replicaset stage of the slice, which only dials).
      listen =
          switch (stage) {
            case SANDBOX_MANAGER -> new PeerAddress("0.0.0.0", SANDBOX_MANAGER_PORT);
            case SCHEDULER -> new PeerAddress("0.0.0.0", SCHEDULER_PORT);
            default -> peers.get(stage.flag());
          };
    }
    DirectLinks.Election election = null;
    if (elect) {
      if (leaseNamespace == null || leaseNamespace.isBlank()) {
        throw new IllegalArgumentException(
            "--leader-election needs --lease-namespace (or $POD_NAMESPACE)");
      }
      election =
          new DirectLinks.Election(
              leaseNamespace,
              identity == null || identity.isBlank() ? null : identity,
              leaseDuration,
              renewDeadline,
              retryPeriod,
              advertise,
              true);
      try {
        election.forStage(stage.flag()).validate();
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }
    return new StageOptions(
        stage,
        kubeconfig,
        listen,
        scheduler,
        sandboxManager,
        nodes,
        tlsDir,
        reload,
        plaintext,
        anyAddress,
        metricsHost,
        metricsPort,
        ipBlock,
        maxDelay,
        election,
        variant,
        peers,
        httpPort,
        statsListen,
        statsAddress,
        autoscalerConfig,
        httpSandboxes,
        parentPid);
  }

  /** {@code host:port} or {@code [v6]:port}. */
  static PeerAddress address(String s) {
    int colon = s.lastIndexOf(':');
    if (colon <= 0 || colon == s.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + s + "'");
    }
    String host = s.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(s.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + s + "'", e);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port out of range in '" + s + "'");
    }
    return new PeerAddress(host, port);
  }

  /** {@code 250ms}, {@code 10s}, {@code 2m}, {@code 1h} or ISO-8601. */
  static Duration duration(String s) {
    String v = s.trim().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
      }
      long n = Long.parseLong(v.substring(0, v.length() - 1));
      return switch (v.charAt(v.length() - 1)) {
        case 's' -> Duration.ofSeconds(n);
        case 'm' -> Duration.ofMinutes(n);
        case 'h' -> Duration.ofHours(n);
        default ->
            throw new IllegalArgumentException("bad duration '" + s + "' (250ms, 10s, 1m, PT10S)");
      };
    } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
      throw new IllegalArgumentException("bad duration '" + s + "' (250ms, 10s, 1m, PT10S)", e);
    }
  }
}
