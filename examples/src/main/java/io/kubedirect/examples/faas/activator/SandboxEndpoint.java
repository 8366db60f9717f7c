package io.kubedirect.examples.faas.activator;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One ready sandbox of a function, as the activator routes to it.
 *
 * @param pod {@code namespace/name} of the pod
 * @param host the address to dial (an IP literal: no name lookups)
 * @param port the port to dial
 * @param containerConcurrency requests the sandbox runs at once; 0 = unlimited
 */
public record SandboxEndpoint(String pod, String host, int port, int containerConcurrency) {

  /** Validates the fields. */
  public SandboxEndpoint {
    Objects.requireNonNull(pod, "pod");
    Objects.requireNonNull(host, "host");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
    if (containerConcurrency < 0) {
      throw new IllegalArgumentException("containerConcurrency must be >= 0");
    }
  }

  /**
   * Parses {@code host:port} (an IPv4 literal or a bracketed IPv6 literal).
   *
   * @throws IllegalArgumentException if it is not of that form
   */
  public static SandboxEndpoint parse(String pod, String hostPort, int containerConcurrency) {
    int colon = hostPort == null ? -1 : hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("not host:port: " + hostPort);
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new SandboxEndpoint(
          pod, host, Integer.parseInt(hostPort.substring(colon + 1)), containerConcurrency);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not host:port: " + hostPort, e);
    }
  }

  /** The socket address to dial. */
  public InetSocketAddress address() {
    return new InetSocketAddress(host, port);
  }

  /** True if the sandbox runs any number of requests at once. */
  public boolean unlimited() {
    return containerConcurrency == 0;
  }
}
