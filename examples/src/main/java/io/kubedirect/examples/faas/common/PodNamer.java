package io.kubedirect.examples.faas.common;

import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

/**
 * Generates pod names {@code <owner>-<random suffix>} the way the API Server's {@code generateName}
 * does, but on the client so the name is known before the pod exists anywhere (a direct link needs
 * that). The suffix uses the same vowel-free alphabet as Kubernetes and is long enough that a burst
 * practically never collides; a caller-supplied "taken" predicate makes collisions with known names
 * impossible.
 */
public final class PodNamer {

  /** Kubernetes' generateName alphabet (no vowels, no look-alike characters). */
  static final String ALPHABET = "bcdfghjklmnpqrstvwxz2456789";

  /** Longest owner prefix kept, so that names stay valid DNS labels (63 characters). */
  static final int MAX_PREFIX = 63 - 1 - 10;

  private final int suffixLength;
  private final Random random;

  /** A namer with a 10-character suffix and a thread-local random source. */
  public PodNamer() {
    this(10, null);
  }

  /**
   * A namer with the given suffix length and random source (null: thread-local random).
   *
   * @throws IllegalArgumentException if {@code suffixLength} is outside 5..10
   */
  public PodNamer(int suffixLength, Random random) {
    if (suffixLength < 5 || suffixLength > 10) {
      throw new IllegalArgumentException("suffixLength must be 5..10, got " + suffixLength);
    }
    this.suffixLength = suffixLength;
    this.random = random;
  }

  /** A fresh name for a pod owned by {@code owner}. */
  public String next(String owner) {
    return next(owner, name -> false);
  }

  /** A fresh name for a pod owned by {@code owner} that {@code taken} does not reject. */
  public String next(String owner, Predicate<String> taken) {
    Objects.requireNonNull(owner, "owner");
    if (owner.isEmpty()) {
      throw new IllegalArgumentException("owner name must not be empty");
    }
    String prefix = owner.length() > MAX_PREFIX ? owner.substring(0, MAX_PREFIX) : owner;
    while (true) {
      String name = prefix + "-" + suffix();
      if (!taken.test(name)) {
        return name;
      }
    }
  }

  private String suffix() {
    Random r = random != null ? random : ThreadLocalRandom.current();
    char[] chars = new char[suffixLength];
    synchronized (this) {
      for (int i = 0; i < chars.length; i++) {
        chars[i] = ALPHABET.charAt(r.nextInt(ALPHABET.length()));
      }
    }
    return new String(chars);
  }
}
