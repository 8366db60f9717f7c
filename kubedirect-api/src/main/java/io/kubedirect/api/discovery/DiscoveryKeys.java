package io.kubedirect.api.discovery;

/**
 * Label and annotation keys read by the Kubernetes-backed {@link PeerDiscovery} implementations.
 */
public final class DiscoveryKeys {

  /**
   * Pod label naming the stage a pod runs, e.g. {@code kubedirect.io/stage=scheduler}; also on the
   * Lease a replicated stage elects its leader with.
   */
  public static final String STAGE_LABEL = "kubedirect.io/stage";

  /**
   * Pod annotation with the pod's link address {@code host:port}; if absent, podIP plus a
   * configured port. On a stage's Lease: the link address of the replica holding it (the leader).
   */
  public static final String LINK_ADDRESS_ANNOTATION = "kubedirect.io/link-address";

  /**
   * Node annotation with the {@code host:port} of the sandbox manager serving that node; several
   * nodes may name the same address.
   */
  public static final String SANDBOX_MANAGER_ADDRESS_ANNOTATION =
      "kubedirect.io/sandbox-manager-address";

  /** The conventional stage name of the kubelet-side sandbox manager (routing key = node name). */
  public static final String SANDBOX_MANAGER_STAGE = "sandbox-manager";

  private DiscoveryKeys() {}
}
