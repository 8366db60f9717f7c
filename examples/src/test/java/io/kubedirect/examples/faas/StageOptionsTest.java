package io.kubedirect.examples.faas;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.faas.StageOptions.Stage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.transport.PeerAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageOptionsTest {

  @Test
  void defaultsMatchTheManifests() {
    StageOptions o =
        StageOptions.parse(
            "--stage", "scheduler", "--nodes", "a,b", "--tls-dir", "/etc/kubedirect/tls");
    assertThat(o.stage()).isEqualTo(Stage.SCHEDULER);
    assertThat(o.listen()).isEqualTo(new PeerAddress("0.0.0.0", 7301));
    assertThat(o.sandboxManagerAddress()).isEqualTo(new PeerAddress("sandbox-manager", 7302));
    assertThat(o.schedulerAddress()).isEqualTo(new PeerAddress("scheduler", 7301));
    assertThat(o.nodes()).containsExactly("a", "b");
    assertThat(o.tlsDir()).isEqualTo(Path.of("/etc/kubedirect/tls"));
    assertThat(o.tlsReloadInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(o.metricsHost()).isEqualTo("0.0.0.0");
    assertThat(o.metricsPort()).isEqualTo(9090);
    assertThat(o.kubeconfig()).isNull();
    assertThat(StageOptions.parse("--stage=sandbox-manager", "--nodes=a", "--plaintext").listen())
        .isEqualTo(new PeerAddress("0.0.0.0", 7302));
  }

  @Test
  void parsesEveryFlagInBothForms() {
    StageOptions o =
        StageOptions.parse(
            "--stage=sandbox-manager",
            "--kubeconfig=/k",
            "--listen",
            "127.0.0.1:9",
            "--scheduler-address=[::1]:7",
            "--sandbox-manager-address=sm.ns.svc:8",
            "--nodes= x, y ,x,",
            "--plaintext",
            "--plaintext-any-address",
            "--metrics-host=127.0.0.1",
            "--metrics-port",
            "0",
            "--pod-ip-block=7",
            "--max-start-delay=250ms",
            "--tls-reload-interval=PT1M");
    assertThat(o.kubeconfig()).isEqualTo(Path.of("/k"));
    assertThat(o.listen()).isEqualTo(new PeerAddress("127.0.0.1", 9));
    assertThat(o.schedulerAddress()).isEqualTo(new PeerAddress("::1", 7));
    assertThat(o.sandboxManagerAddress()).isEqualTo(new PeerAddress("sm.ns.svc", 8));
    assertThat(o.nodes()).containsExactly("x", "y");
    assertThat(o.plaintext()).isTrue();
    assertThat(o.plaintextAnyAddress()).isTrue();
    assertThat(o.metricsPort()).isZero();
    assertThat(o.podIpBlock()).isEqualTo(7);
    assertThat(o.maxStartDelay()).isEqualTo(Duration.ofMillis(250));
    assertThat(o.tlsReloadInterval()).isEqualTo(Duration.ofMinutes(1));
    assertThat(StageOptions.duration("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(StageOptions.duration("1h")).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void helpGivesNull() {
    assertThat(StageOptions.parse("--help")).isNull();
    assertThat(StageOptions.USAGE).contains("--stage", "--tls-dir", "--metrics-port", "--nodes");
  }

  @Test
  void badCommandLinesAreExplained() {
    assertThatThrownBy(() -> StageOptions.parse("--plaintext"))
        .hasMessageContaining("--stage is required");
    assertThatThrownBy(() -> StageOptions.parse("--stage=kubelet", "--plaintext"))
        .hasMessageContaining("unknown stage 'kubelet'");
    assertThatThrownBy(() -> StageOptions.parse("--stage=replicaset"))
        .hasMessageContaining("exactly one of --tls-dir DIR and --plaintext");
    assertThatThrownBy(
            () -> StageOptions.parse("--stage=replicaset", "--plaintext", "--tls-dir=/x"))
        .hasMessageContaining("exactly one of");
    assertThatThrownBy(
            () ->
                StageOptions.parse("--stage=replicaset", "--tls-dir=/x", "--plaintext-any-address"))
        .hasMessageContaining("needs --plaintext");
    assertThatThrownBy(() -> StageOptions.parse("--stage=scheduler", "--plaintext"))
        .hasMessageContaining("--nodes is required for the scheduler stage");
    assertThatThrownBy(
            () -> StageOptions.parse("--stage=replicaset", "--plaintext", "--scheduler-address=x"))
        .hasMessageContaining("HOST:PORT");
    assertThatThrownBy(
            () -> StageOptions.parse("--stage=replicaset", "--plaintext", "--metrics-port=x"))
        .hasMessageContaining("bad number for --metrics-port");
    assertThatThrownBy(
            () -> StageOptions.parse("--stage=replicaset", "--plaintext", "--metrics-port=70000"))
        .hasMessageContaining("-1..65535");
    assertThatThrownBy(
            () ->
                StageOptions.parse("--stage=replicaset", "--plaintext", "--max-start-delay=3 days"))
        .hasMessageContaining("bad duration");
    assertThatThrownBy(() -> StageOptions.parse("--stage=replicaset", "--plaintext", "--bogus=1"))
        .hasMessageContaining("unknown flag --bogus");
    assertThatThrownBy(() -> StageOptions.parse("--stage"))
        .hasMessageContaining("missing value for --stage");
  }

  @Test
  void eachStageSeesTheAddressesFromItsSide() {
    String[] common = {
      "--plaintext",
      "--nodes=n1,n2",
      "--scheduler-address=sched:1",
      "--sandbox-manager-address=sm:2"
    };
    DirectLinks rs = StageMain.links(StageOptions.parse(concat(common, "--stage=replicaset")));
    assertThat(rs.scheduler()).isEqualTo(new PeerAddress("sched", 1));

    DirectLinks sched =
        StageMain.links(
            StageOptions.parse(concat(common, "--stage=scheduler", "--listen=0.0.0.0:5")));
    assertThat(sched.scheduler()).as("listens here").isEqualTo(new PeerAddress("0.0.0.0", 5));
    assertThat(sched.sandboxManagerByNode())
        .isEqualTo(Map.of("n1", new PeerAddress("sm", 2), "n2", new PeerAddress("sm", 2)));

    DirectLinks sm =
        StageMain.links(
            StageOptions.parse(concat(common, "--stage=sandbox-manager", "--listen=0.0.0.0:6")));
    assertThat(sm.nodesServedBy(new PeerAddress("0.0.0.0", 6))).containsExactly("n1", "n2");
  }

  @Test
  void leaderElectionFlags() {
    StageOptions o =
        StageOptions.parse(
            "--stage=scheduler",
            "--plaintext",
            "--nodes=a",
            "--leader-election",
            "--lease-namespace=faas",
            "--identity=sched-0",
            "--advertise-address=10.0.0.5:7301",
            "--lease-duration=6s",
            "--renew-deadline=4s",
            "--retry-period=1s");
    assertThat(o.election())
        .isEqualTo(
            new DirectLinks.Election(
                "faas",
                "sched-0",
                Duration.ofSeconds(6),
                Duration.ofSeconds(4),
                Duration.ofSeconds(1),
                new PeerAddress("10.0.0.5", 7301),
                true));
    io.kubedirect.runtime.LeaderElection le =
        StageMain.links(o).leaderElection("scheduler").orElseThrow();
    assertThat(le.namespace()).isEqualTo("faas");
    assertThat(le.name()).isEqualTo("kubedirect-scheduler");
    assertThat(le.identity()).isEqualTo("sched-0");
    assertThat(le.advertise()).contains(new PeerAddress("10.0.0.5", 7301));
    assertThat(le.leaseDuration()).isEqualTo(Duration.ofSeconds(6));
    assertThat(StageOptions.parse("--stage=scheduler", "--plaintext", "--nodes=a").election())
        .isNull();
    assertThat(
            StageMain.links(StageOptions.parse("--stage=scheduler", "--plaintext", "--nodes=a"))
                .leaderElection("scheduler"))
        .isEmpty();
    // The replicaset stage listens nowhere, so it needs no address to advertise.
    assertThat(
            StageOptions.parse(
                    "--stage=replicaset",
                    "--plaintext",
                    "--leader-election",
                    "--lease-namespace=faas")
                .election()
                .advertise())
        .isNull();

    assertThatThrownBy(
            () ->
                StageOptions.parse(
                    "--stage=scheduler",
                    "--plaintext",
                    "--nodes=a",
                    "--leader-election",
                    "--lease-namespace=faas"))
        .hasMessageContaining("--advertise-address");
    assertThatThrownBy(
            () ->
                StageOptions.parse(
                    "--stage=replicaset",
                    "--plaintext",
                    "--leader-election",
                    "--lease-namespace=faas",
                    "--renew-deadline=20s"))
        .hasMessageContaining("renewDeadline");
    if (System.getenv("POD_NAMESPACE") == null) {
      assertThatThrownBy(
              () -> StageOptions.parse("--stage=replicaset", "--plaintext", "--leader-election"))
          .hasMessageContaining("--lease-namespace");
    }
    assertThat(StageOptions.USAGE)
        .contains("--leader-election", "--advertise-address", "--lease-namespace");
  }

  private static String[] concat(String[] a, String... b) {
    return java.util.stream.Stream.concat(List.of(a).stream(), List.of(b).stream())
        .toArray(String[]::new);
  }
}
