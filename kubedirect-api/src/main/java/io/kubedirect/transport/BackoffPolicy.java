package io.kubedirect.transport;

import java.time.Duration;

/**
 * Decides how long to wait before the next reconnect attempt. A policy instance covers one run of
 * consecutive failures; a successful connection starts a fresh one from {@link Provider#get()}.
 */
public interface BackoffPolicy {

  /** The delay before the next attempt; grows with each call. */
  Duration nextBackoff();

  /** Creates policies. */
  @FunctionalInterface
  interface Provider {
    BackoffPolicy get();
  }
}
