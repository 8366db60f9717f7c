package io.kubedirect.examples.faas.common;

/**
 * The simulated pod network of the examples: pod IP {@code 10.a.b.c} (what {@link PodIpAllocator}
 * hands out) is reachable at {@code 127.a.b.c}. Linux routes all of {@code 127.0.0.0/8} to the
 * loopback interface, so a sandbox can listen on its pod's loopback twin without any network setup,
 * and anything that learned the pod IP (from the pod's status, or from an EndpointSlice, which may
 * not list loopback addresses itself) can reach it on one machine. The port stays the container's
 * port.
 */
public final class LoopbackPodNetwork {

  private LoopbackPodNetwork() {}

  /**
   * The loopback address that stands for {@code podIp} ({@code 10.a.b.c} -> {@code 127.a.b.c}).
   *
   * @throws IllegalArgumentException if {@code podIp} is not an IPv4 address in {@code 10.0.0.0/8}
   */
  public static String hostFor(String podIp) {
    String[] parts = podIp == null ? new String[0] : podIp.split("\\.", -1);
    if (parts.length != 4 || !"10".equals(parts[0])) {
      throw new IllegalArgumentException("not a pod IP in 10.0.0.0/8: " + podIp);
    }
    for (int i = 1; i < 4; i++) {
      int v;
      try {
        v = Integer.parseInt(parts[i]);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("not a pod IP in 10.0.0.0/8: " + podIp, e);
      }
      if (v < 0 || v > 255 || !parts[i].equals(Integer.toString(v))) {
        throw new IllegalArgumentException("not a pod IP in 10.0.0.0/8: " + podIp);
      }
    }
    return "127." + parts[1] + "." + parts[2] + "." + parts[3];
  }
}
