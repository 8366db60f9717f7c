package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.PeerIdentity;

/**
 * The {@link Link} of one Netty connection; a thread-safe facade over its {@link
 * LinkProtocolHandler}.
 */
final class NettyLink implements Link {

  private final LinkProtocolHandler protocol;

  NettyLink(LinkProtocolHandler protocol) {
    this.protocol = protocol;
  }

  @Override
  public PeerIdentity peer() {
    return protocol.peer();
  }

  @Override
  public int protocolMinor() {
    return protocol.protocolMinor();
  }

  @Override
  public String id() {
    return protocol.id();
  }

  @Override
  public boolean isOpen() {
    return protocol.isOpen();
  }

  @Override
  public boolean isWritable() {
    return protocol.isWritable();
  }

  @Override
  public void send(Envelope message) {
    protocol.send(message);
  }

  @Override
  public void close() {
    protocol.close();
  }

  @Override
  public void close(ErrorCode code, String message) {
    protocol.close(code, message);
  }

  @Override
  public String toString() {
    return "NettyLink[" + id() + " -> " + peer().stage() + (isOpen() ? "" : ", closed") + "]";
  }
}
