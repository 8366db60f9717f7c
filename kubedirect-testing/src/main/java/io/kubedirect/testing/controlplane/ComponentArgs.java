package io.kubedirect.testing.controlplane;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the command line of each component from a spec and a layout. Pure. */
final class ComponentArgs {
  private ComponentArgs() {}

  static List<String> command(Component c, ControlPlaneSpec spec, Layout layout) {
    List<String> cmd = new ArrayList<>();
    cmd.add(spec.binaries().dir().resolve(c.binaryName()).toString());
    cmd.addAll(
        switch (c) {
          case ETCD -> etcd(layout);
          case KUBE_APISERVER -> apiServer(layout);
          case KUBE_CONTROLLER_MANAGER -> controllerManager(spec, layout);
          case KUBE_SCHEDULER -> scheduler(spec, layout);
        });
    cmd.addAll(spec.extraArgs(c));
    return List.copyOf(cmd);
  }

  static List<String> etcd(Layout l) {
    return List.of(
        "--name=default",
        "--data-dir=" + l.etcdDataDir(),
        "--listen-client-urls=" + l.etcdUrl(),
        "--advertise-client-urls=" + l.etcdUrl(),
        "--listen-peer-urls=" + l.etcdPeerUrl(),
        "--initial-advertise-peer-urls=" + l.etcdPeerUrl(),
        "--initial-cluster=default=" + l.etcdPeerUrl(),
        "--unsafe-no-fsync=true",
        "--log-level=warn");
  }

  static List<String> apiServer(Layout l) {
    return List.of(
        "--etcd-servers=" + l.etcdUrl(),
        "--bind-address=" + Layout.HOST,
        "--advertise-address=" + Layout.HOST,
        "--secure-port=" + l.apiServerPort(),
        "--cert-dir=" + l.pkiDir(),
        "--service-cluster-ip-range=10.0.0.0/16",
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        "--service-account-key-file=" + l.serviceAccountKey(),
        "--service-account-signing-key-file=" + l.serviceAccountKey(),
        "--token-auth-file=" + l.tokenFile(),
        "--authorization-mode=RBAC",
        "--disable-admission-plugins=ServiceAccount",
        "--allow-privileged=true",
        "--profiling=false",
        // Without it an open watch keeps a graceful shutdown waiting 60 s for the HTTP server.
        "--shutdown-watch-termination-grace-period=2s");
  }

  static List<String> controllerManager(ControlPlaneSpec spec, Layout l) {
    List<String> a =
        new ArrayList<>(common(l, l.controllerManagerPort(), l.workDir().resolve("kcm-pki")));
    a.add("--controllers=" + String.join(",", spec.controllers()));
    a.add("--kube-api-qps=" + formatQps(spec.controllerManagerQps()));
    a.add("--kube-api-burst=" + spec.controllerManagerBurst());
    return a;
  }

  static List<String> scheduler(ControlPlaneSpec spec, Layout l) {
    List<String> a =
        new ArrayList<>(common(l, l.schedulerPort(), l.workDir().resolve("scheduler-pki")));
    a.add("--kube-api-qps=" + formatQps(spec.schedulerQps()));
    a.add("--kube-api-burst=" + spec.schedulerBurst());
    return a;
  }

  /**
   * Flags shared by kube-controller-manager and kube-scheduler: kubeconfig, no leader election,
   * health port.
   */
  private static List<String> common(Layout l, int port, Path certDir) {
    String kc = l.kubeconfig().toString();
    return List.of(
        "--kubeconfig=" + kc,
        "--authentication-kubeconfig=" + kc,
        "--authorization-kubeconfig=" + kc,
        "--leader-elect=false",
        "--bind-address=" + Layout.HOST,
        "--secure-port=" + port,
        "--cert-dir=" + certDir);
  }

  static String formatQps(float qps) {
    return qps == Math.rint(qps)
        ? Long.toString((long) qps)
        : String.format(Locale.ROOT, "%s", qps);
  }
}
