package io.kubedirect.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class ComponentArgsTest {
  private static final Path BIN = Path.of("/bins");
  private final Layout layout = new Layout(Path.of("/w"), 1001, 1002, 1003, 1004, 1005, "tok");

  private LocalControlPlane.Builder builder() {
    return LocalControlPlane.builder().binDir(BIN).workDirParent(Path.of("/tmp"));
  }

  @Test
  void etcdListensOnLoopbackWithoutFsync() {
    List<String> cmd = ComponentArgs.command(Component.ETCD, builder().buildSpec(), layout);
    assertThat(cmd.get(0)).isEqualTo("/bins/etcd");
    assertThat(cmd)
        .contains(
            "--listen-client-urls=http://127.0.0.1:1001",
            "--listen-peer-urls=http://127.0.0.1:1002",
            "--initial-cluster=default=http://127.0.0.1:1002",
            "--unsafe-no-fsync=true",
            "--data-dir=/w/etcd-data");
  }

  @Test
  void apiServerUsesTokenFileLoopbackAndNoServiceAccountAdmission() {
    List<String> cmd =
        ComponentArgs.command(Component.KUBE_APISERVER, builder().buildSpec(), layout);
    assertThat(cmd.get(0)).isEqualTo("/bins/kube-apiserver");
    assertThat(cmd)
        .contains(
            "--etcd-servers=http://127.0.0.1:1001",
            "--secure-port=1003",
            "--bind-address=127.0.0.1",
            "--advertise-address=127.0.0.1",
            "--cert-dir=/w/pki",
            "--token-auth-file=/w/tokens.csv",
            "--disable-admission-plugins=ServiceAccount",
            "--service-account-key-file=/w/sa.key",
            "--service-account-signing-key-file=/w/sa.key",
            "--shutdown-watch-termination-grace-period=2s");
    assertThat(cmd).noneMatch(a -> a.startsWith("--insecure-port"));
  }

  @Test
  void controllerManagerDefaultsToStockRateLimitsAndNarrowWaistControllers() {
    List<String> cmd =
        ComponentArgs.command(
            Component.KUBE_CONTROLLER_MANAGER,
            builder().controllerManager(true).buildSpec(),
            layout);
    assertThat(cmd)
        .contains(
            "--kube-api-qps=20",
            "--kube-api-burst=30",
            "--leader-elect=false",
            "--kubeconfig=/w/kubeconfig",
            "--secure-port=1004",
            "--bind-address=127.0.0.1",
            "--controllers=deployment,replicaset,garbagecollector,namespace,nodelifecycle");
  }

  @Test
  void schedulerDefaultsToStockRateLimits() {
    List<String> cmd =
        ComponentArgs.command(
            Component.KUBE_SCHEDULER, builder().scheduler(true).buildSpec(), layout);
    assertThat(cmd)
        .contains(
            "--kube-api-qps=50",
            "--kube-api-burst=100",
            "--secure-port=1005",
            "--leader-elect=false");
  }

  @Test
  void raisedRateLimitsAndExtraArgsAreApplied() {
    ControlPlaneSpec spec =
        builder()
            .controllerManager(true)
            .scheduler(true)
            .controllerManagerRateLimit(5000, 10000)
            .schedulerRateLimit(2500.5f, 5000)
            .extraArgs(Component.KUBE_SCHEDULER, "--v=4")
            .buildSpec();
    assertThat(ComponentArgs.command(Component.KUBE_CONTROLLER_MANAGER, spec, layout))
        .contains("--kube-api-qps=5000", "--kube-api-burst=10000");
    List<String> sched = ComponentArgs.command(Component.KUBE_SCHEDULER, spec, layout);
    assertThat(sched).contains("--kube-api-qps=2500.5", "--kube-api-burst=5000");
    assertThat(sched.get(sched.size() - 1)).isEqualTo("--v=4");
  }
}
