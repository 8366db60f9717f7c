package io.kubedirect.examples.faas.process;

import io.kubedirect.examples.faas.StageMain;
import io.kubedirect.examples.faas.StageOptions.Variant;
import io.kubedirect.examples.faas.common.LoopbackPorts;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole chain (activator -> autoscaler -> deployment -> replicaset -> scheduler -> sandbox
 * manager) with every stage in its own JVM: one {@link StageMain} process per stage, started with
 * the current Java and class path, all on loopback. The direct variant's links use mutual TLS
 * (certificates from {@link TlsMaterial} under the work directory); the activator's stats reach the
 * autoscaler over HTTP ({@code --stats-address}); the sandboxes serve HTTP on loopback ports. Each
 * process appends its output to {@code <workDir>/<stage>.log}, serves {@code /readyz} and {@code
 * /metrics} on its own port, and exits when this JVM does ({@code --parent-pid}).
 *
 * <p>{@link #start()} starts every process at once (the links are dialled again until the
 * downstream listens) and waits for each {@code /readyz}; {@link #stop()} sends SIGTERM from the
 * activator down to the sandbox manager and waits for each; a single stage can be stopped, killed
 * and started again through {@link #stage(String)}.
 */
public final class ProcessChain implements SliceStage {

  private static final Logger log = LoggerFactory.getLogger(ProcessChain.class);

  /** The stages from the tail up: the start order, reversed for the stop. */
  public static final List<String> STAGES =
      List.of(
          DirectLinks.SANDBOX_MANAGER,
          DirectLinks.SCHEDULER,
          DirectLinks.REPLICASET,
          DirectLinks.DEPLOYMENT,
          DirectLinks.AUTOSCALER,
          DirectLinks.ACTIVATOR);

  private final Variant variant;
  private final Map<String, StageProcess> processes;
  private final int httpPort;
  private final Duration readyTimeout;
  private final Duration stopTimeout;
  private volatile boolean running;

  private ProcessChain(Builder b) {
    this.variant = b.variant;
    this.readyTimeout = b.readyTimeout;
    this.stopTimeout = b.stopTimeout;
    try {
      Files.createDirectories(b.workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    boolean direct = variant == Variant.DIRECT;
    Map<String, Path> tls =
        direct ? TlsMaterial.issue(b.workDir.resolve("tls"), STAGES, Duration.ofDays(1)) : Map.of();
    this.httpPort = freePort();
    int statsPort = freePort();
    int schedulerPort = freePort();
    int sandboxManagerPort = freePort();
    Map<String, Integer> peerPorts = new LinkedHashMap<>();
    for (String s :
        List.of(DirectLinks.DEPLOYMENT, DirectLinks.REPLICASET, DirectLinks.ACTIVATOR)) {
      peerPorts.put(s, freePort());
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Map<String, StageProcess> all = new LinkedHashMap<>();
    for (String stage : STAGES) {
      int metricsPort = freePort();
      List<String> cmd = new ArrayList<>();
      cmd.add(java);
      cmd.addAll(b.jvmOptions);
      cmd.add("-Dorg.slf4j.simpleLogger.showDateTime=true");
      cmd.add("-cp");
      cmd.add(b.classpath);
      cmd.add(StageMain.class.getName());
      cmd.add("--stage=" + stage);
      cmd.add("--variant=" + variant.name().toLowerCase(Locale.ROOT));
      cmd.add("--kubeconfig=" + b.kubeconfigs.getOrDefault(stage, b.kubeconfig));
      cmd.add("--metrics-host=127.0.0.1");
      cmd.add("--metrics-port=" + metricsPort);
      cmd.add("--parent-pid=" + ProcessHandle.current().pid());
      cmd.add("--nodes=" + String.join(",", b.nodes));
      if (direct) {
        cmd.add("--tls-dir=" + tls.get(stage));
        cmd.add("--scheduler-address=127.0.0.1:" + schedulerPort);
        cmd.add("--sandbox-manager-address=127.0.0.1:" + sandboxManagerPort);
        peerPorts.forEach((s, p) -> cmd.add("--peer=" + s + "=127.0.0.1:" + p));
        if (stage.equals(DirectLinks.SCHEDULER)) {
          cmd.add("--listen=127.0.0.1:" + schedulerPort);
        } else if (stage.equals(DirectLinks.SANDBOX_MANAGER)) {
          cmd.add("--listen=127.0.0.1:" + sandboxManagerPort);
        }
      }
      switch (stage) {
        case DirectLinks.SANDBOX_MANAGER -> {
          cmd.add("--http-sandboxes");
          cmd.add("--max-start-delay=" + b.maxStartDelay.toMillis() + "ms");
        }
        case DirectLinks.AUTOSCALER -> {
          cmd.add("--stats-listen=127.0.0.1:" + statsPort);
          if (!b.autoscalerConfig.isEmpty()) {
            cmd.add(
                "--autoscaler-config="
                    + b.autoscalerConfig.entrySet().stream()
                        .map(e -> e.getKey() + "=" + e.getValue())
                        .collect(Collectors.joining(",")));
          }
        }
        case DirectLinks.ACTIVATOR -> {
          cmd.add("--http-port=" + httpPort);
          cmd.add("--stats-address=127.0.0.1:" + statsPort);
        }
        default -> {}
      }
      all.put(stage, new StageProcess(stage, cmd, b.workDir.resolve(stage + ".log"), metricsPort));
    }
    this.processes = all;
  }

  /**
   * A chain whose stages act with {@code kubeconfig}, serving {@code nodes} (one sandbox manager),
   * writing logs and TLS material under {@code workDir}.
   */
  public static Builder builder(Path kubeconfig, List<String> nodes, Path workDir) {
    return new Builder(kubeconfig, nodes, workDir);
  }

  /** The variant. */
  public Variant variant() {
    return variant;
  }

  /** The process of {@code stage} (one of {@link #STAGES}). */
  public StageProcess stage(String stage) {
    StageProcess p = processes.get(stage);
    if (p == null) {
      throw new IllegalArgumentException("no stage " + stage + " (" + STAGES + ")");
    }
    return p;
  }

  /** Every stage's process, from the tail up. */
  public List<StageProcess> processes() {
    return List.copyOf(processes.values());
  }

  /** The activator's front door: {@code POST <uri>/fn/<namespace>/<function>}. */
  public URI activatorUri() {
    return URI.create("http://127.0.0.1:" + httpPort);
  }

  /** Starts every process and waits until each is ready. */
  @Override
  public synchronized void start() {
    running = true;
    for (StageProcess p : processes.values()) {
      if (!p.isAlive()) {
        p.start();
        log.info("started {} (log {})", p, p.log());
      }
    }
    for (StageProcess p : processes.values()) {
      p.awaitReady(readyTimeout);
    }
  }

  /** Stops every process (SIGTERM), from the activator down; each gets the stop timeout. */
  @Override
  public synchronized void stop() {
    running = false;
    List<StageProcess> reverse = new ArrayList<>(processes.values());
    java.util.Collections.reverse(reverse);
    for (StageProcess p : reverse) {
      if (p.isAlive()) {
        int code = p.stop(stopTimeout);
        log.info("stopped {}: exit code {}", p.name(), code);
      }
    }
  }

  /** The exit code of each stage's last process, by stage (-1: not exited or never started). */
  public Map<String, Integer> exitCodes() {
    Map<String, Integer> codes = new LinkedHashMap<>();
    processes.forEach((s, p) -> codes.put(s, p.exitCode()));
    return codes;
  }

  @Override
  public boolean isRunning() {
    return running && processes.values().stream().allMatch(StageProcess::isAlive);
  }

  @Override
  public boolean hasSynced() {
    return running && processes.values().stream().allMatch(StageProcess::isReady);
  }

  private static int freePort() {
    return LoopbackPorts.next();
  }

  /** Settings of a {@link ProcessChain}. */
  public static final class Builder {
    private final Path kubeconfig;
    private final List<String> nodes;
    private final Path workDir;
    private final Map<String, Path> kubeconfigs = new LinkedHashMap<>();
    private Variant variant = Variant.DIRECT;
    private String classpath = System.getProperty("java.class.path");
    private List<String> jvmOptions =
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto");
    private Map<String, String> autoscalerConfig = Map.of();
    private Duration maxStartDelay = Duration.ofMillis(50);
    private Duration readyTimeout = Duration.ofSeconds(120);
    private Duration stopTimeout = Duration.ofSeconds(30);

    private Builder(Path kubeconfig, List<String> nodes, Path workDir) {
      this.kubeconfig = Objects.requireNonNull(kubeconfig, "kubeconfig");
      this.nodes = List.copyOf(nodes);
      this.workDir = Objects.requireNonNull(workDir, "workDir");
      if (nodes.isEmpty()) {
        throw new IllegalArgumentException("no nodes");
      }
    }

    /** Plain or direct (default). */
    public Builder variant(Variant variant) {
      this.variant = Objects.requireNonNull(variant, "variant");
      return this;
    }

    /** {@code stage} acts with {@code kubeconfig} (e.g. its ServiceAccount's token). */
    public Builder kubeconfig(String stage, Path kubeconfig) {
      kubeconfigs.put(stage, Objects.requireNonNull(kubeconfig, "kubeconfig"));
      return this;
    }

    /** The class path of the stage processes (default: this JVM's). */
    public Builder classpath(String classpath) {
      this.classpath = Objects.requireNonNull(classpath, "classpath");
      return this;
    }

    /**
     * The JVM options of each stage process (default: 256 MB heap, serial GC, C1 only: quick starts
     * on a small machine).
     */
    public Builder jvmOptions(List<String> options) {
      this.jvmOptions = List.copyOf(options);
      return this;
    }

    /** {@code config-autoscaler} overrides of the autoscaler. */
    public Builder autoscalerConfig(Map<String, String> config) {
      this.autoscalerConfig = Map.copyOf(config);
      return this;
    }

    /** The sandbox manager's simulated start delay, uniform in [0, max] (default 50 ms). */
    public Builder maxStartDelay(Duration max) {
      this.maxStartDelay = Objects.requireNonNull(max, "max");
      return this;
    }

    /** How long {@link ProcessChain#start()} waits for each {@code /readyz} (default 120 s). */
    public Builder readyTimeout(Duration timeout) {
      this.readyTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** How long a SIGTERM-ed process gets before it is killed (default 30 s). */
    public Builder stopTimeout(Duration timeout) {
      this.stopTimeout = Objects.requireNonNull(timeout, "timeout");
      return this;
    }

    /** Allocates the ports and, for the direct variant, issues the certificates. */
    public ProcessChain build() {
      return new ProcessChain(this);
    }
  }
}
