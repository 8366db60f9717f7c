package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.Hello;
import io.kubedirect.transport.PeerAddress;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;

/**
 * A hand-driven peer on a plain socket, for feeding a server bytes the real transport would never
 * send.
 */
final class RawPeer implements AutoCloseable {

  private final Socket socket;
  private final DataInputStream in;
  private final DataOutputStream out;

  RawPeer(PeerAddress address) throws IOException {
    this(address, 0);
  }

  /** {@code receiveBuffer > 0} shrinks the socket receive buffer (set before connecting). */
  RawPeer(PeerAddress address, int receiveBuffer) throws IOException {
    socket = new Socket();
    if (receiveBuffer > 0) {
      socket.setReceiveBufferSize(receiveBuffer);
    }
    socket.connect(new InetSocketAddress(address.host(), address.port()), 5_000);
    socket.setSoTimeout(10_000);
    socket.setTcpNoDelay(true);
    in = new DataInputStream(socket.getInputStream());
    out = new DataOutputStream(socket.getOutputStream());
  }

  static Envelope hello(String stage, String destination, int major, int credits) {
    return Envelope.newBuilder()
        .setHello(
            Hello.newBuilder()
                .setProtocolMajor(major)
                .setProtocolMinor(0)
                .setStage(stage)
                .setDestination(destination)
                .setInitialCredits(credits)
                .setMaxFrameBytes(4 << 20))
        .build();
  }

  /** Sends a valid Hello and returns the server's answer (a HelloAck). */
  Envelope handshake(String stage, String destination, int credits) throws IOException {
    write(hello(stage, destination, 1, credits));
    return read();
  }

  void write(Envelope envelope) throws IOException {
    writeFrame(envelope.toByteArray());
  }

  void writeFrame(byte[] body) throws IOException {
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  void writeRaw(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Writes many frames with a single write call. */
  void writeAll(List<Envelope> envelopes) throws IOException {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(buf);
    for (Envelope e : envelopes) {
      byte[] b = e.toByteArray();
      d.writeInt(b.length);
      d.write(b);
    }
    writeRaw(buf.toByteArray());
  }

  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** The next envelope, or null at end of stream. */
  Envelope read() throws IOException {
    int length;
    try {
      length = in.readInt();
    } catch (EOFException | SocketException e) {
      return null;
    }
    byte[] body = new byte[length];
    in.readFully(body);
    return Envelope.parseFrom(body);
  }

  /** Reads until the server closes the connection; returns everything read. */
  List<Envelope> readUntilClosed() throws IOException {
    List<Envelope> all = new ArrayList<>();
    try {
      for (Envelope e = read(); e != null; e = read()) {
        all.add(e);
      }
    } catch (SocketTimeoutException e) {
      throw new AssertionError("server did not close the connection within 10 s; read " + all, e);
    }
    return all;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
