package io.kubedirect.transport;

import java.util.Objects;

/**
 * Where a stage listens: a host name or IP literal and a TCP port (or a name for in-memory
 * transports).
 */
public record PeerAddress(String host, int port) {

  public PeerAddress {
    Objects.requireNonNull(host, "host");
    if (host.isBlank()) {
      throw new IllegalArgumentException("host must not be blank");
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException("port out of range: " + port);
    }
  }

  /** {@code 127.0.0.1:port}. */
  public static PeerAddress loopback(int port) {
    return new PeerAddress("127.0.0.1", port);
  }

  /** Parses {@code host:port} ({@code [v6]:port} for IPv6 literals). */
  public static PeerAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("expected host:port, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new PeerAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad port in '" + hostPort + "'", e);
    }
  }

  /** Whether this address is on the loopback range, where plaintext may be allowed. */
  public boolean isLoopback() {
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }

  @Override
  public String toString() {
    return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
  }
}
