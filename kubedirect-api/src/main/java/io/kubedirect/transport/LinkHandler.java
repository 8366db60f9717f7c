package io.kubedirect.transport;

import io.kubedirect.protocol.v1.Envelope;

/**
 * Receives the events of links. Callbacks for one link arrive one at a time and in order; they must
 * not block for long, since the transport grants the peer new credit only after {@link #onMessage}
 * returns.
 */
public interface LinkHandler {

  /** A connection was established and the version exchange succeeded. */
  default void onOpen(Link link) {}

  /** A link-level message arrived. */
  void onMessage(Link link, Envelope message);

  /** The link became writable again after {@link Link#isWritable()} was false. */
  default void onWritable(Link link) {}

  /**
   * The connection is closed. {@code cause} is null for an orderly close, else says why (a typed
   * {@link LinkException#code()}).
   */
  default void onClosed(Link link, LinkException cause) {}
}
