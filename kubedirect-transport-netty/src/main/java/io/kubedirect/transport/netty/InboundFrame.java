package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;

/** A decoded envelope and the size of its frame on the wire (prefix included). */
record InboundFrame(Envelope envelope, int wireBytes) {}
