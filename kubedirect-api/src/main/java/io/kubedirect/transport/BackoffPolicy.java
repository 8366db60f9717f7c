package io.kubedirect.transport;

import java.time.Duration;

/**
 * Decides how long to wait before the next attempt of something that failed: a reconnect
 * (transports), a handshake or resend (the engine), a write-back (the write-back queue). The
 * project's one backoff: a policy instance covers one run of consecutive failures; a success starts
 * a fresh one from {@link Provider#get()}.
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
