package io.kubedirect.transport.netty;

import io.netty.handler.ssl.SslContext;

/**
 * The per-connection settings a {@link NettyTransport} hands to every pipeline it builds. The TLS
 * contexts come from a {@link TlsContexts}, which may swap them when the certificate files change:
 * a pipeline reads the current ones when it is built.
 */
record LinkSettings(
    String stageName,
    int maxFrameBytes,
    int initialCredits,
    int outboundQueueBound,
    Limits
        limits, // before heartbeatMillis so that the 7-argument constructor below stays unambiguous
    long heartbeatMillis,
    TlsContexts tlsContexts,
    int protocolMinor) {

  /** Frames larger than this are refused before the version exchange completes. */
  static final int PRE_HELLO_MAX_FRAME_BYTES = 64 * 1024;

  /** Assumed when a peer announces max_frame_bytes = 0. */
  static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

  /** Fixed TLS contexts (or plaintext when both are null) and the default limits. */
  LinkSettings(
      String stageName,
      int maxFrameBytes,
      int initialCredits,
      int outboundQueueBound,
      long heartbeatMillis,
      SslContext serverSsl,
      SslContext clientSsl) {
    this(
        stageName,
        maxFrameBytes,
        initialCredits,
        outboundQueueBound,
        Limits.DEFAULTS,
        heartbeatMillis,
        TlsContexts.fixed(serverSsl, clientSsl),
        io.kubedirect.transport.Transport.PROTOCOL_MINOR);
  }

  /** The current server context, or null (plaintext, or a dial-only TLS configuration). */
  SslContext serverSsl() {
    return tlsContexts.server();
  }

  /** The current client context, or null in plaintext. */
  SslContext clientSsl() {
    return tlsContexts.client();
  }

  boolean tls() {
    return tlsContexts.tls();
  }

  /**
   * Credit is returned to the peer once this many messages were consumed (checked per read batch).
   */
  int creditGrantThreshold() {
    return Math.max(1, initialCredits / 4);
  }

  /**
   * Resource limits of a transport (see docs/operations.md).
   *
   * @param maxConnections accepted connections open at once, over all listeners of the transport
   * @param maxConnectionsPerPeer open links per peer stage name (from the certificate, else the
   *     Hello)
   * @param maxUnauthenticated accepted connections that have not completed TLS and the Hello
   *     exchange
   * @param handshakeTimeoutMillis time from connect/accept until the link is open
   * @param maxQueuedBytes bytes a link holds for sending before {@code send} throws OVERLOADED
   */
  record Limits(
      int maxConnections,
      int maxConnectionsPerPeer,
      int maxUnauthenticated,
      long handshakeTimeoutMillis,
      long maxQueuedBytes) {

    static final int DEFAULT_MAX_CONNECTIONS = 1024;
    static final int DEFAULT_MAX_CONNECTIONS_PER_PEER = 64;
    static final int DEFAULT_MAX_UNAUTHENTICATED = 128;
    static final long DEFAULT_HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    static final long DEFAULT_MAX_QUEUED_BYTES = 64L * 1024 * 1024;

    static final Limits DEFAULTS =
        new Limits(
            DEFAULT_MAX_CONNECTIONS,
            DEFAULT_MAX_CONNECTIONS_PER_PEER,
            DEFAULT_MAX_UNAUTHENTICATED,
            DEFAULT_HANDSHAKE_TIMEOUT_MILLIS,
            DEFAULT_MAX_QUEUED_BYTES);
  }
}
