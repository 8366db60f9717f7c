package io.kubedirect.runtime;

import io.kubedirect.transport.PeerAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Leader election for a stage that runs several replicas: only the instance holding a {@code
 * coordination.k8s.io/v1} Lease runs the stage's links, its write-back and (through {@link
 * KubeDirect#leadershipAcquired()}) its controller. Elected with client-java's {@code
 * LeaderElector}. Immutable; each setter returns a copy. Give it to {@link
 * KubeDirect.Builder#leaderElection}, whose {@code build()} validates it.
 *
 * <pre>
 * KubeDirect.builder()...
 *     .leaderElection(LeaderElection.lease("kubedirect-faas", "kubedirect-scheduler")
 *         .identity(System.getenv("POD_NAME"))
 *         .advertise(new PeerAddress(System.getenv("POD_IP"), 7301)))
 *     .build();
 * </pre>
 *
 * <p>The leader writes its link address into the Lease (annotation {@code
 * kubedirect.io/link-address}, with the label {@code kubedirect.io/stage}), in the same write that
 * takes or renews it, so upstream stages find the current leader with {@link
 * io.kubedirect.runtime.discovery.PeerDiscoveries#lease()}.
 *
 * <p>Timing follows client-go's defaults (15 s / 10 s / 2 s). A leader that cannot renew within
 * {@code renewDeadline}, or that sees another holder in the Lease, stops its engine at once; a
 * standby takes over once the Lease was not renewed for {@code leaseDuration}, so a crashed leader
 * is replaced after about {@code leaseDuration} plus up to two retry periods plus one link
 * handshake (docs/operations.md).
 */
public final class LeaderElection {

  private final String namespace;
  private final String name;
  private final String identity;
  private final Duration leaseDuration;
  private final Duration renewDeadline;
  private final Duration retryPeriod;
  private final PeerAddress advertise;
  private final boolean releaseOnClose;

  private LeaderElection(
      String namespace,
      String name,
      String identity,
      Duration leaseDuration,
      Duration renewDeadline,
      Duration retryPeriod,
      PeerAddress advertise,
      boolean releaseOnClose) {
    this.namespace = namespace;
    this.name = name;
    this.identity = identity;
    this.leaseDuration = leaseDuration;
    this.renewDeadline = renewDeadline;
    this.retryPeriod = retryPeriod;
    this.advertise = advertise;
    this.releaseOnClose = releaseOnClose;
  }

  /**
   * Election through the Lease {@code namespace/name} (created by the first candidate if absent).
   * All replicas of one stage use the same Lease; different stages use different Leases.
   */
  public static LeaderElection lease(String namespace, String name) {
    return new LeaderElection(
        Objects.requireNonNull(namespace, "namespace"),
        Objects.requireNonNull(name, "name"),
        defaultIdentity(),
        Duration.ofSeconds(15),
        Duration.ofSeconds(10),
        Duration.ofSeconds(2),
        null,
        true);
  }

  /**
   * This replica's identity in the Lease ({@code spec.holderIdentity}); unique among the replicas,
   * e.g. the pod name. Default: {@code $HOSTNAME} (the pod name in a pod) or the host name, plus
   * {@code _} and a random UUID (a new one for each {@link #lease} call).
   */
  public LeaderElection identity(String identity) {
    return new LeaderElection(
        namespace,
        name,
        Objects.requireNonNull(identity, "identity"),
        leaseDuration,
        renewDeadline,
        retryPeriod,
        advertise,
        releaseOnClose);
  }

  /**
   * How long the Lease stays valid after its last renewal: standbys take over only after this much
   * time without a renewal. A whole number of seconds, at least 1 s (the Lease stores seconds).
   * Default 15 s.
   */
  public LeaderElection leaseDuration(Duration d) {
    return new LeaderElection(
        namespace,
        name,
        identity,
        Objects.requireNonNull(d, "leaseDuration"),
        renewDeadline,
        retryPeriod,
        advertise,
        releaseOnClose);
  }

  /**
   * How long the leader keeps trying to renew before it gives up and stops; shorter than the lease
   * duration. Default 10 s.
   */
  public LeaderElection renewDeadline(Duration d) {
    return new LeaderElection(
        namespace,
        name,
        identity,
        leaseDuration,
        Objects.requireNonNull(d, "renewDeadline"),
        retryPeriod,
        advertise,
        releaseOnClose);
  }

  /**
   * How often candidates try to acquire and the leader renews; shorter than the renew deadline.
   * Default 2 s.
   */
  public LeaderElection retryPeriod(Duration d) {
    return new LeaderElection(
        namespace,
        name,
        identity,
        leaseDuration,
        renewDeadline,
        Objects.requireNonNull(d, "retryPeriod"),
        advertise,
        releaseOnClose);
  }

  /**
   * The link address upstream stages dial to reach this replica while it leads (e.g. the pod IP and
   * the link port), written into the Lease. Default: the {@link KubeDirect.Builder#listen listen}
   * address with the bound port, unless it is a wildcard address ({@code 0.0.0.0}, {@code ::});
   * then nothing is advertised. Only meaningful for a stage with upstreams.
   */
  public LeaderElection advertise(PeerAddress address) {
    return new LeaderElection(
        namespace,
        name,
        identity,
        leaseDuration,
        renewDeadline,
        retryPeriod,
        Objects.requireNonNull(address, "address"),
        releaseOnClose);
  }

  /**
   * Whether {@link KubeDirect#close()} gives the Lease up when this replica leads, so that a
   * standby takes over at its next retry instead of after the lease duration. Default true (a
   * rolling update then hands over within a retry period). With false, a closed leader's Lease
   * expires as if the process had crashed.
   */
  public LeaderElection releaseOnClose(boolean release) {
    return new LeaderElection(
        namespace, name, identity, leaseDuration, renewDeadline, retryPeriod, advertise, release);
  }

  /** The Lease's namespace. */
  public String namespace() {
    return namespace;
  }

  /** The Lease's name. */
  public String name() {
    return name;
  }

  /** This replica's identity. */
  public String identity() {
    return identity;
  }

  /** The lease duration. */
  public Duration leaseDuration() {
    return leaseDuration;
  }

  /** The renew deadline. */
  public Duration renewDeadline() {
    return renewDeadline;
  }

  /** The retry period. */
  public Duration retryPeriod() {
    return retryPeriod;
  }

  /** The advertised link address, if one was set. */
  public Optional<PeerAddress> advertise() {
    return Optional.ofNullable(advertise);
  }

  /** Whether a closed leader gives the Lease up. */
  public boolean releaseOnClose() {
    return releaseOnClose;
  }

  /**
   * Checks the settings ({@link KubeDirect.Builder#build()} does).
   *
   * @return this
   * @throws IllegalStateException naming the first problem
   */
  public LeaderElection validate() {
    if (namespace.isBlank() || name.isBlank()) {
      throw new IllegalStateException(
          "leaderElection: the Lease namespace and name must not be blank");
    }
    if (identity.isBlank()) {
      throw new IllegalStateException("leaderElection: identity must not be blank");
    }
    if (leaseDuration.compareTo(Duration.ofSeconds(1)) < 0 || leaseDuration.getNano() != 0) {
      throw new IllegalStateException(
          "leaderElection: leaseDuration must be a whole number of seconds, at least "
              + "1 s (the Lease stores seconds): "
              + leaseDuration);
    }
    if (retryPeriod.isNegative() || retryPeriod.isZero()) {
      throw new IllegalStateException(
          "leaderElection: retryPeriod must be positive: " + retryPeriod);
    }
    if (renewDeadline.compareTo(leaseDuration) >= 0) {
      throw new IllegalStateException(
          "leaderElection: renewDeadline ("
              + renewDeadline
              + ") must be shorter than leaseDuration ("
              + leaseDuration
              + "), or two replicas could lead at once");
    }
    if (retryPeriod.compareTo(renewDeadline) >= 0) {
      throw new IllegalStateException(
          "leaderElection: retryPeriod ("
              + retryPeriod
              + ") must be shorter than renewDeadline ("
              + renewDeadline
              + ")");
    }
    return this;
  }

  @Override
  public String toString() {
    return "LeaderElection{lease="
        + namespace
        + "/"
        + name
        + ", identity="
        + identity()
        + ", leaseDuration="
        + leaseDuration
        + ", renewDeadline="
        + renewDeadline
        + ", retryPeriod="
        + retryPeriod
        + ", advertise="
        + advertise
        + ", releaseOnClose="
        + releaseOnClose
        + "}";
  }

  private static String defaultIdentity() {
    String h = System.getenv("HOSTNAME");
    if (h == null || h.isBlank()) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (UnknownHostException e) {
        h = "kubedirect";
      }
    }
    return h + "_" + UUID.randomUUID();
  }
}
