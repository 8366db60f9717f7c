package io.kubedirect.transport;

/** The accepting side of a {@link Transport}. */
public interface LinkServer extends AutoCloseable {

  /** The bound address (with the actual port when 0 was requested). */
  PeerAddress localAddress();

  /** Stops accepting and closes every link accepted by this server. Idempotent. */
  @Override
  void close();
}
