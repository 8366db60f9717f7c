package io.kubedirect.runtime.engine;

import io.kubedirect.runtime.codec.ObjectDecoder;
import io.kubedirect.transport.Link;

/** The receiving side of one accepted link from an upstream stage. Guarded by the engine lock. */
final class DownstreamSession {
  final Link link;
  final String source;
  long epoch;
  ObjectDecoder decoder;

  DownstreamSession(Link link, String source) {
    this.link = link;
    this.source = source;
  }
}
