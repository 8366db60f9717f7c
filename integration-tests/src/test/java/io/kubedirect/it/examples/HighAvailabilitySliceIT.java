package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.common.LoopbackPorts;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.ReplicaSetController;
import io.kubedirect.examples.faas.direct.SandboxManager;
import io.kubedirect.examples.faas.direct.SchedulerController;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.ApiClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retrofitted slice with two replicas of every stage (leader election through one Lease per
 * stage; the upstream stages find the leaders through the Leases) against a real kube-apiserver.
 * Mid-burst, while some pods are not persisted yet, the leader of one stage is killed: it stops
 * without giving its Lease up, so the standby takes over once the Lease expired, with a newer
 * epoch. An independent informer records every pod ever persisted: none is lost (exactly the burst
 * ends up Ready) and none is created twice or replaced (exactly the burst's names were ever
 * persisted). The takeover time (kill to the standby's links ready) is logged.
 */
@LocalKubernetes
@Timeout(value = 600, unit = TimeUnit.SECONDS)
class HighAvailabilitySliceIT {

  private static final Logger log = LoggerFactory.getLogger(HighAvailabilitySliceIT.class);
  static final Duration LEASE = Duration.ofSeconds(4);
  static final Duration RENEW = Duration.ofSeconds(3);
  static final Duration RETRY = Duration.ofSeconds(1);
  static final int BURST = 120;

  /** One replica of the whole slice: each stage once, with its own addresses and meters. */
  static final class Replica implements AutoCloseable {
    final String id;
    final PeerAddress scheduler;
    final PeerAddress sandboxManager;
    final MeterRegistry meters = new SimpleMeterRegistry();
    final ReplicaSetController replicaSet;
    final SchedulerController schedulerStage;
    final SandboxManager sandboxManagerStage;

    Replica(
        ApiClient api, String id, int ipBlock, List<String> nodes, DirectLinks.Election election) {
      this.id = id;
      this.scheduler = PeerAddress.loopback(freePort());
      this.sandboxManager = PeerAddress.loopback(freePort());
      Map<String, PeerAddress> byNode = new LinkedHashMap<>();
      nodes.forEach(n -> byNode.put(n, sandboxManager));
      DirectLinks links =
          new DirectLinks(scheduler, byNode)
              .withMeterRegistry(meters)
              .withLeaderElection(election.withIdentity(id));
      this.replicaSet = new ReplicaSetController(api, links);
      this.schedulerStage = new SchedulerController(api, links);
      this.sandboxManagerStage =
          SandboxManager.builder(api)
              .links(links, sandboxManager)
              .podIpBlock(ipBlock)
              .startDelay(Duration.ZERO, Duration.ofMillis(50))
              .build();
    }

    List<SliceStage> stages() {
      return List.of(sandboxManagerStage, schedulerStage, replicaSet);
    }

    SliceStage stage(String name) {
      return switch (name) {
        case DirectLinks.REPLICASET -> replicaSet;
        case DirectLinks.SCHEDULER -> schedulerStage;
        default -> sandboxManagerStage;
      };
    }

    void start() {
      stages().forEach(SliceStage::start);
    }

    /** Whether this replica's sending link of {@code stage} towards {@code to} is ready. */
    boolean linkReady(String stage, PeerAddress to) {
      Gauge g =
          meters
              .find("kubedirect.link.state")
              .tag("stage", stage)
              .tag("link", to.toString())
              .tag("state", "ready")
              .gauge();
      return g != null && g.value() == 1.0;
    }

    @Override
    public void close() {
      List<SliceStage> reversed = new ArrayList<>(stages());
      java.util.Collections.reverse(reversed);
      reversed.forEach(SliceStage::stop);
    }
  }

  @ParameterizedTest(name = "kill the {0} leader mid-burst")
  @ValueSource(strings = {"replicaset", "scheduler", "sandbox-manager"})
  void killingTheLeaderOfAStageMidBurstLosesAndDuplicatesNothing(String stage, ApiClient api)
      throws Exception {
    try (SliceFixture f = new SliceFixture(api, 4)) {
      DirectLinks.Election election =
          DirectLinks.Election.inNamespace(f.namespace)
              .withTimings(LEASE, RENEW, RETRY)
              .withReleaseOnClose(false);
      try (Replica a = new Replica(api, "a", 0, f.nodes, election);
          Replica b = new Replica(api, "b", 1, f.nodes, election)) {
        a.start();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> a.stages().stream().allMatch(s -> s.isLeader() && s.hasSynced()));
        b.start();
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> b.stages().stream().allMatch(SliceStage::hasSynced));
        assertThat(b.stages()).as("standbys").noneMatch(SliceStage::isLeader);
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    a.linkReady(DirectLinks.REPLICASET, a.scheduler)
                        && a.linkReady(DirectLinks.SCHEDULER, a.sandboxManager));

        String uid = f.createReplicaSet(0).getMetadata().getUid();
        f.scale(BURST);
        // Mid-burst, chosen by state: some pods persisted, many still only in the stages' memory.
        await()
            .atMost(Duration.ofSeconds(120))
            .pollInterval(Duration.ofMillis(10))
            .until(() -> f.everSeen().size() >= BURST / 6);
        int persistedAtKill = f.everSeen().size();
        long killed = System.nanoTime();
        a.stage(stage).stop(); // a crash: the Lease is not given up (releaseOnClose false)
        assertThat(persistedAtKill).as("killed before the burst was persisted").isLessThan(BURST);

        await()
            .atMost(LEASE.multipliedBy(4))
            .pollInterval(Duration.ofMillis(10))
            .until(b.stage(stage)::isLeader);
        long leaseMs = (System.nanoTime() - killed) / 1_000_000;
        await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(10))
            .until(
                () ->
                    switch (stage) {
                      case DirectLinks.REPLICASET ->
                          b.linkReady(DirectLinks.REPLICASET, a.scheduler);
                      case DirectLinks.SCHEDULER ->
                          a.linkReady(DirectLinks.REPLICASET, b.scheduler)
                              && b.linkReady(DirectLinks.SCHEDULER, a.sandboxManager);
                      default -> a.linkReady(DirectLinks.SCHEDULER, b.sandboxManager);
                    });
        long readyMs = (System.nanoTime() - killed) / 1_000_000;
        log.info(
            "HA takeover of the {} stage: killed with {} of {} pods persisted; standby leads after {} ms "
                + "(lease {} s, retry {} s), its links are ready after {} ms",
            stage,
            persistedAtKill,
            BURST,
            leaseMs,
            LEASE.toSeconds(),
            RETRY.toSeconds(),
            readyMs);
        assertThat(leaseMs)
            .as("the Lease expired first")
            .isGreaterThanOrEqualTo(LEASE.toMillis() - RETRY.toMillis());

        f.awaitExactly(BURST, uid, Duration.ofSeconds(180));
        assertThat(f.everSeen())
            .as("pods ever persisted after killing the %s leader", stage)
            .hasSize(BURST);
        log.info(
            "HA takeover of the {} stage: {} pods Ready, {} ever persisted",
            stage,
            BURST,
            f.everSeen().size());
        assertThat(b.stage(stage).isLeader()).isTrue();
      }
    }
  }

  static int freePort() {
    return LoopbackPorts.next();
  }
}
