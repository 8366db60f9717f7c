package io.kubedirect.transport.inmemory;

import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The accepting side, registered in the network under its address until closed. */
final class InMemoryLinkServer implements LinkServer {

  final InMemoryNetwork net;
  final InMemoryTransport transport;
  final PeerAddress address;
  final LinkHandler handler;
  // Guarded by the network lock.
  final Set<Connection> accepted = new LinkedHashSet<>();
  boolean closed;

  InMemoryLinkServer(
      InMemoryNetwork net, InMemoryTransport transport, PeerAddress address, LinkHandler handler) {
    this.net = net;
    this.transport = transport;
    this.address = address;
    this.handler = handler;
  }

  @Override
  public PeerAddress localAddress() {
    return address;
  }

  @Override
  public void close() {
    synchronized (net.lock) {
      if (closed) {
        return;
      }
      closed = true;
      net.unbind(this);
      List<Connection> all = new ArrayList<>(accepted);
      for (Connection c : all) {
        c.server.close();
      }
      transport.forget(this);
    }
  }
}
