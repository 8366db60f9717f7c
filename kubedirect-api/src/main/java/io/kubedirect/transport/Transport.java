package io.kubedirect.transport;

/** A factory for direct links, one per process. Implementations are thread-safe. */
public interface Transport extends AutoCloseable {

  /** Protocol major version spoken by this release; see {@code docs/protocol.md}. */
  int PROTOCOL_MAJOR = 1;

  /**
   * Protocol minor version spoken by this release (1: {@code HandshakeSnapshot.objects}; 2: notices
   * and {@code Error.current_epoch}; 3: the tail writes back received updates of persisted objects,
   * and {@code HandshakeRequest.subscriber}). A link speaks the lower minor of its two ends ({@link
   * Link#protocolMinor()}).
   */
  int PROTOCOL_MINOR = 3;

  /**
   * Starts accepting links on {@code address} (port 0 picks a free port). {@code handler} sees
   * every accepted link, after the version exchange succeeded.
   *
   * @throws TransportException if the address cannot be bound
   */
  LinkServer listen(PeerAddress address, LinkHandler handler);

  /**
   * Dials {@code address}, expecting to reach the stage named {@code destination}. The returned
   * {@link ClientLink} reconnects with the transport's backoff policy until it is closed; each
   * established connection is reported to {@code handler} through {@link LinkHandler#onOpen}.
   */
  ClientLink connect(PeerAddress address, String destination, LinkHandler handler);

  /**
   * The name of the stage this transport speaks for (what it announces in {@code Hello.stage}, and
   * under TLS what its certificate names), or null if it does not know one. The runtime's builder
   * rejects a transport whose stage name differs from the stage it declares.
   */
  default String stageName() {
    return null;
  }

  /** Closes every server and link of this transport and releases its threads. Idempotent. */
  @Override
  void close();
}
