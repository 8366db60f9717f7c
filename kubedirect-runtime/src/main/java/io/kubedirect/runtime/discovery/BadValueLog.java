package io.kubedirect.runtime.discovery;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Remembers which bad annotation values were already logged, so a persistent one is warned about
 * once.
 */
final class BadValueLog {

  private static final int MAX_REMEMBERED = 1024;

  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /** Whether {@code objectKey=value} is new (and should be logged). */
  boolean firstTime(String objectKey, String value) {
    if (seen.size() >= MAX_REMEMBERED) {
      seen.clear();
    }
    return seen.add(objectKey + "=" + value);
  }
}
