package io.kubedirect.examples.faas;

import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.transport.PeerAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Command-line options of {@link StageMain}: which stage of the retrofitted example slice this
 * process runs, where it listens and dials, its TLS material, and its metrics port.
 *
 * @param stage the stage this process runs
 * @param kubeconfig the kubeconfig to use; null: in-cluster config when running in a pod, else the
 *     standard lookup ({@code $KUBECONFIG}, {@code ~/.kube/config})
 * @param listen where the scheduler or the sandbox manager accepts links (not used by the
 *     replicaset stage)
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
    DirectLinks.Election election) {

  /** Link port of the scheduler. */
  public static final int SCHEDULER_PORT = 7301;

  /** Link port of the sandbox manager. */
  public static final int SANDBOX_MANAGER_PORT = 7302;

  /** Port of the metrics and probe server. */
  public static final int METRICS_PORT = 9090;

  /** The stages {@link StageMain} can run. */
  public enum Stage {
    /** The producer (head). */
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
          "unknown stage '" + s + "' (replicaset, scheduler, sandbox-manager)");
    }
  }

  /** Usage text. */
  public static final String USAGE =
      String.join(
          "\n",
          "usage: StageMain --stage replicaset|scheduler|sandbox-manager [options]",
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
          "  --help                          this text",
          "DURATION: 250ms, 10s, 1m or ISO-8601 (PT10S).");

  /** Validates. */
  public StageOptions {
    Objects.requireNonNull(stage, "stage");
    nodes = List.copyOf(nodes);
    if ((tlsDir == null) == !plaintext) {
      throw new IllegalArgumentException("give exactly one of --tls-dir DIR and --plaintext");
    }
    if (plaintextAnyAddress && !plaintext) {
      throw new IllegalArgumentException("--plaintext-any-address needs --plaintext");
    }
    if (stage != Stage.REPLICASET && nodes.isEmpty()) {
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
        && stage != Stage.REPLICASET
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
      listen =
          new PeerAddress(
              "0.0.0.0", stage == Stage.SANDBOX_MANAGER ? SANDBOX_MANAGER_PORT : SCHEDULER_PORT);
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
        election);
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
