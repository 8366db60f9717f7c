package io.kubedirect.examples.faas.common;

import java.util.HashSet;
import java.util.Set;

/**
 * Hands out unique pod IPs {@code 10.<block>.x.y} from a counter, skipping addresses it has been
 * told are in use (so a restarted sandbox manager that re-learns its pods never hands out a live
 * address twice). Each sandbox-manager instance uses its own block, so instances never collide.
 * Thread-safe.
 */
public final class PodIpAllocator {

  private static final int SIZE = 1 << 16;
  private final int block;
  private final Set<Integer> used = new HashSet<>();
  private int next = 1;

  /** An allocator for block 0 ({@code 10.0.x.y}). */
  public PodIpAllocator() {
    this(0);
  }

  /**
   * An allocator for {@code 10.<block>.x.y}.
   *
   * @throws IllegalArgumentException unless 0 <= block <= 255
   */
  public PodIpAllocator(int block) {
    if (block < 0 || block > 255) {
      throw new IllegalArgumentException("block must be 0..255, got " + block);
    }
    this.block = block;
  }

  /**
   * The next free address. @throws IllegalStateException when all 65534 addresses of the block are
   * in use
   */
  public synchronized String allocate() {
    for (int tries = 0; tries < SIZE; tries++) {
      int candidate = next;
      next = next + 1 >= SIZE - 1 ? 1 : next + 1;
      if (used.add(candidate)) {
        return "10." + block + "." + (candidate >> 8) + "." + (candidate & 0xff);
      }
    }
    throw new IllegalStateException("10." + block + ".0.0/16 is exhausted");
  }

  /** Marks an address as in use (ignored unless it belongs to this block). */
  public synchronized void reserve(String ip) {
    Integer v = parse(ip);
    if (v != null) {
      used.add(v);
    }
  }

  /** Returns an address to the pool (ignored unless it belongs to this block). */
  public synchronized void release(String ip) {
    Integer v = parse(ip);
    if (v != null) {
      used.remove(v);
    }
  }

  /** The host part of {@code ip} if it is {@code 10.<block>.x.y}, else null. */
  Integer parse(String ip) {
    if (ip == null) {
      return null;
    }
    String[] parts = ip.split("\\.");
    if (parts.length != 4 || !"10".equals(parts[0])) {
      return null;
    }
    try {
      int a = Integer.parseInt(parts[1]);
      int b = Integer.parseInt(parts[2]);
      int c = Integer.parseInt(parts[3]);
      if (a != block || b < 0 || b > 255 || c < 0 || c > 255) {
        return null;
      }
      return (b << 8) | c;
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
