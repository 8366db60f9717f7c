package io.kubedirect.testing.controlplane;

/** The processes a {@link LocalControlPlane} can run. */
public enum Component {
  /** etcd, the store. Always started. */
  ETCD("etcd"),
  /** kube-apiserver. Always started. */
  KUBE_APISERVER("kube-apiserver"),
  /** kube-controller-manager, optional (stock-Kubernetes baseline). */
  KUBE_CONTROLLER_MANAGER("kube-controller-manager"),
  /** kube-scheduler, optional (stock-Kubernetes baseline). */
  KUBE_SCHEDULER("kube-scheduler");

  private final String binaryName;

  Component(String binaryName) {
    this.binaryName = binaryName;
  }

  /**
   * Returns the executable's file name in the binary directory.
   *
   * @return e.g. {@code kube-apiserver}
   */
  public String binaryName() {
    return binaryName;
  }
}
