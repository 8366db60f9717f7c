package io.kubedirect.runtime.internal.engine;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.PeerIdentity;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A link that records what is sent on it. */
final class FakeLink implements Link {
  final PeerIdentity peer;
  final String id;
  final List<Envelope> sent = new CopyOnWriteArrayList<>();
  volatile boolean open = true;
  volatile ErrorCode closedWith;

  FakeLink(String id, PeerIdentity peer) {
    this.id = id;
    this.peer = peer;
  }

  @Override
  public PeerIdentity peer() {
    return peer;
  }

  @Override
  public String id() {
    return id;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public boolean isWritable() {
    return open;
  }

  @Override
  public void send(Envelope message) {
    sent.add(message);
  }

  @Override
  public void close() {
    open = false;
  }

  @Override
  public void close(ErrorCode code, String message) {
    closedWith = code;
    open = false;
  }

  Envelope last() {
    return sent.get(sent.size() - 1);
  }
}
