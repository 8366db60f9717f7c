package io.kubedirect.it.faults;

import io.kubedirect.transport.PeerAddress;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loopback TCP proxy in front of one direct-link listener, able to <em>partition</em> the link
 * and heal it.
 *
 * <p>While partitioned nothing crosses in either direction, not even a close: bytes already read
 * stay in the proxy, a connection whose endpoint closes is not closed on the other side, and a
 * connection accepted during the partition is not dialled through to the target (as if its SYN were
 * lost; the dialler's handshake then goes unanswered). The kernel buffers fill and the writers see
 * back-pressure, as with a real partition. {@link #heal()} resumes every connection that is still
 * open at both ends (late bytes are delivered, as TCP would deliver them), propagates held closes,
 * and dials through the connections accepted meanwhile.
 */
final class TcpProxy implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(TcpProxy.class);

  private final String name;
  private final PeerAddress target;
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final Object flow = new Object();
  private final AtomicInteger accepted = new AtomicInteger();
  private volatile boolean partitioned;
  private volatile boolean closed;

  TcpProxy(String name, PeerAddress target) {
    this.name = name;
    this.target = target;
    try {
      this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Thread t = new Thread(this::acceptLoop, "proxy-" + name + "-accept");
    t.setDaemon(true);
    t.start();
  }

  /** Where to dial instead of the target. */
  PeerAddress address() {
    return PeerAddress.loopback(server.getLocalPort());
  }

  String name() {
    return name;
  }

  /** Connections accepted so far. */
  int accepted() {
    return accepted.get();
  }

  boolean isPartitioned() {
    return partitioned;
  }

  /** From now on nothing crosses the proxy, in either direction. */
  void partition() {
    partitioned = true;
    log.info("proxy {}: partitioned", name);
  }

  /** Traffic flows again. */
  void heal() {
    synchronized (flow) {
      partitioned = false;
      flow.notifyAll();
    }
    log.info("proxy {}: healed", name);
  }

  /** Blocks while partitioned; false when the proxy closed. */
  private boolean awaitFlowing() {
    synchronized (flow) {
      while (partitioned && !closed) {
        try {
          flow.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
    return !closed;
  }

  private void acceptLoop() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        if (!closed) {
          log.warn("proxy {}: accept failed: {}", name, e.toString());
        }
        return;
      }
      accepted.incrementAndGet();
      sockets.add(client);
      Thread t = new Thread(() -> connect(client), "proxy-" + name + "-conn");
      t.setDaemon(true);
      t.start();
    }
  }

  private void connect(Socket client) {
    if (!awaitFlowing() || client.isClosed()) {
      closeQuietly(client);
      return;
    }
    Socket upstream = new Socket();
    try {
      client.setTcpNoDelay(true);
      upstream.setTcpNoDelay(true);
      upstream.connect(new InetSocketAddress(target.host(), target.port()), 5000);
    } catch (IOException e) {
      closeQuietly(upstream);
      closeQuietly(client);
      return;
    }
    sockets.add(upstream);
    Thread down = new Thread(() -> pump(upstream, client), "proxy-" + name + "-down");
    down.setDaemon(true);
    down.start();
    pump(client, upstream);
  }

  /** Copies from {@code from} to {@code to}, holding while partitioned; closes both at the end. */
  private void pump(Socket from, Socket to) {
    byte[] buf = new byte[64 * 1024];
    try {
      InputStream in = from.getInputStream();
      OutputStream out = to.getOutputStream();
      while (true) {
        int n = in.read(buf);
        if (!awaitFlowing()) {
          break;
        }
        if (n < 0) {
          break;
        }
        out.write(buf, 0, n);
        out.flush();
      }
    } catch (IOException e) {
      // one side went away: hold the close while partitioned, then close the other side too
      awaitFlowing();
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private void closeQuietly(Socket s) {
    sockets.remove(s);
    try {
      s.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  @Override
  public void close() {
    closed = true;
    heal();
    try {
      server.close();
    } catch (IOException ignored) {
      // closing anyway
    }
    for (Socket s : Set.copyOf(sockets)) {
      closeQuietly(s);
    }
  }

  @Override
  public String toString() {
    return "proxy " + name + " " + address() + " -> " + target;
  }
}
