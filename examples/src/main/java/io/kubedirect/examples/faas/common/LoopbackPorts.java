package io.kubedirect.examples.faas.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Picks loopback ports for stages that listen later. A port the kernel hands out for {@code
 * bind(0)} lies in its ephemeral range, where the next outgoing connection (to the API Server, to a
 * peer) may take it before the stage binds it ("Address already in use", seen in the fault matrix).
 * These ports lie below that range, are free when picked, and are never handed out twice by this
 * JVM.
 */
public final class LoopbackPorts {

  private static final int LOWEST = 20_000;
  private static final Set<Integer> handedOut = ConcurrentHashMap.newKeySet();

  private LoopbackPorts() {}

  /** A loopback port that is free now, outside the ephemeral range, not handed out before. */
  public static int next() {
    int below = ephemeralLow();
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int attempt = 0; below > LOWEST + 1_000 && attempt < 200; attempt++) {
      int port = r.nextInt(LOWEST, below);
      if (handedOut.add(port)) {
        if (bindable(port)) {
          return port;
        }
      }
    }
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      handedOut.add(s.getLocalPort());
      return s.getLocalPort(); // no room below the ephemeral range: the kernel's choice
    } catch (IOException e) {
      throw new UncheckedIOException("no free loopback port", e);
    }
  }

  private static boolean bindable(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** The low end of the kernel's ephemeral port range (Linux), else the IANA one (49152). */
  private static int ephemeralLow() {
    try {
      // (readString returns a short read on procfs, whose files report size 0; read lines)
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0);
      return Integer.parseInt(range.trim().split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 49_152;
    }
  }
}
