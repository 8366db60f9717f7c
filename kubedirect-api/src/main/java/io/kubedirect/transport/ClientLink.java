package io.kubedirect.transport;

import java.util.Optional;

/**
 * The dialling side of a link. It keeps one connection to its peer alive, reconnecting with backoff
 * after a failure, until {@link #close()} is called.
 */
public interface ClientLink extends AutoCloseable {

  /** The address this link dials. */
  PeerAddress address();

  /** The established connection, if there is one right now. */
  Optional<Link> current();

  /** Stops reconnecting and closes the current connection. Idempotent. */
  @Override
  void close();
}
