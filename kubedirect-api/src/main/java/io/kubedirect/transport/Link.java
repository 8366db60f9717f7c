package io.kubedirect.transport;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;

/**
 * One established connection between two stages. Messages are delivered in the order they were
 * sent, at most once; a connection that breaks is reported through {@link LinkHandler#onClosed} and
 * never reused. Thread-safe.
 */
public interface Link {

  /** Who is on the other side: from its certificate under TLS, else as it claimed in its Hello. */
  PeerIdentity peer();

  /**
   * The protocol minor version of this link: the lower of the minors both ends announced in their
   * {@code Hello}/{@code HelloAck} ({@code docs/protocol.md}, section 3). Each end uses only the
   * features of this minor on this link, so stages of adjacent releases interoperate during a
   * rolling upgrade. Transports that do not exchange versions speak {@link
   * Transport#PROTOCOL_MINOR}.
   */
  default int protocolMinor() {
    return Transport.PROTOCOL_MINOR;
  }

  /** A short identifier for logs and metrics, unique within the process. */
  String id();

  /** Whether the connection is still open. */
  boolean isOpen();

  /**
   * Whether the peer has granted credit and the outbound buffer is below its high watermark. A
   * sender that keeps sending while this is false fills the bounded outbound queue and then gets
   * {@link ErrorCode#OVERLOADED}; {@link LinkHandler#onWritable} reports when it becomes true
   * again.
   */
  boolean isWritable();

  /**
   * Queues a link-level message for sending and returns without waiting. Transport-level bodies
   * (hello, credit, heartbeat) are rejected with {@link ErrorCode#MALFORMED}.
   *
   * @throws LinkException with {@link ErrorCode#OVERLOADED} when the outbound queue is full, or
   *     {@link ErrorCode#INTERNAL} when the link is closed; the message is not sent in either case
   */
  void send(Envelope message);

  /** Closes the connection without an error. Idempotent. */
  void close();

  /** Sends an {@code Error} with {@code seq = 0}, then closes the connection. Idempotent. */
  void close(ErrorCode code, String message);
}
