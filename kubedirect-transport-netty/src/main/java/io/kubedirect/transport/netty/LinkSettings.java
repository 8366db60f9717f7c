package io.kubedirect.transport.netty;

import io.netty.handler.ssl.SslContext;

/** The per-connection settings a {@link NettyTransport} hands to every pipeline it builds. */
record LinkSettings(
    String stageName,
    int maxFrameBytes,
    int initialCredits,
    int outboundQueueBound,
    long heartbeatMillis,
    SslContext serverSsl,
    SslContext clientSsl) {

  /** Frames larger than this are refused before the version exchange completes. */
  static final int PRE_HELLO_MAX_FRAME_BYTES = 64 * 1024;

  /** Assumed when a peer announces max_frame_bytes = 0. */
  static final int DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;

  boolean tls() {
    return clientSsl != null;
  }

  /** Credit is returned to the peer once this many messages were consumed (checked per read batch). */
  int creditGrantThreshold() {
    return Math.max(1, initialCredits / 4);
  }
}
