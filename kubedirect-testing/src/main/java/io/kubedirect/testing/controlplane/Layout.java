package io.kubedirect.testing.controlplane;

import java.nio.file.Path;

/**
 * Where one control-plane instance keeps its files and which loopback ports it uses. Pure data.
 *
 * @param workDir the instance's temporary directory
 * @param etcdClientPort etcd client port
 * @param etcdPeerPort etcd peer port
 * @param apiServerPort kube-apiserver secure port
 * @param controllerManagerPort kube-controller-manager health port (HTTPS)
 * @param schedulerPort kube-scheduler health port (HTTPS)
 * @param token bearer token of the {@code system:masters} user
 */
record Layout(
    Path workDir,
    int etcdClientPort,
    int etcdPeerPort,
    int apiServerPort,
    int controllerManagerPort,
    int schedulerPort,
    String token) {

  static final String HOST = "127.0.0.1";
  static final String ADMIN_USER = "kubedirect-admin";

  Path etcdDataDir() {
    return workDir.resolve("etcd-data");
  }

  Path pkiDir() {
    return workDir.resolve("pki");
  }

  /** kube-apiserver writes its self-signed serving certificate (and CA) here. */
  Path apiServerCert() {
    return pkiDir().resolve("apiserver.crt");
  }

  Path serviceAccountKey() {
    return workDir.resolve("sa.key");
  }

  Path tokenFile() {
    return workDir.resolve("tokens.csv");
  }

  Path kubeconfig() {
    return workDir.resolve("kubeconfig");
  }

  Path logDir() {
    return workDir.resolve("logs");
  }

  Path logFile(Component c) {
    return logDir().resolve(c.binaryName() + ".log");
  }

  Path pidDir() {
    return workDir.resolve("pids");
  }

  String etcdUrl() {
    return "http://" + HOST + ":" + etcdClientPort;
  }

  String etcdPeerUrl() {
    return "http://" + HOST + ":" + etcdPeerPort;
  }

  String apiServerUrl() {
    return "https://" + HOST + ":" + apiServerPort;
  }
}
