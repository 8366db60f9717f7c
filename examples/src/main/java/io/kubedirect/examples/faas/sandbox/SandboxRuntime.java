package io.kubedirect.examples.faas.sandbox;

import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;

/**
 * What a sandbox manager (kubelet stand-in) runs for each pod: the "container runtime". The manager
 * calls {@link #start} once the pod's simulated start delay plus {@link #coldStart} have passed,
 * writes the pod Ready with {@link #address} in its status, and calls {@link #stop} when the pod is
 * deleted or replaced. A runtime outlives the managers that use it (like containerd outlives a
 * kubelet restart): a restarted manager finds its running pods' sandboxes still serving. {@link
 * #NONE} runs nothing (the pods are Ready but answer nothing). Implementations are thread-safe.
 */
public interface SandboxRuntime {

  /** Extra start delay of {@code pod}'s sandbox (added to the manager's own simulated delay). */
  Duration coldStart(V1Pod pod);

  /**
   * Starts the sandbox of {@code pod} under {@code podKey} ({@code namespace/name}); a sandbox
   * already running under that key is stopped first (the pod was replaced).
   */
  void start(String podKey, V1Pod pod);

  /**
   * Starts the sandbox of {@code pod}, which has been given the pod IP {@code podIp} (what a CNI
   * plugin would configure); the default ignores the IP.
   */
  default void start(String podKey, V1Pod pod, String podIp) {
    start(podKey, pod);
  }

  /** Where the sandbox of {@code podKey} answers ({@code host:port}), or null if it runs none. */
  String address(String podKey);

  /**
   * Stops the sandbox of {@code podKey}, if any (requests it is running still get their answers).
   */
  void stop(String podKey);

  /** Runs nothing: no cold start, no address. */
  SandboxRuntime NONE =
      new SandboxRuntime() {
        @Override
        public Duration coldStart(V1Pod pod) {
          return Duration.ZERO;
        }

        @Override
        public void start(String podKey, V1Pod pod) {}

        @Override
        public String address(String podKey) {
          return null;
        }

        @Override
        public void stop(String podKey) {}
      };
}
