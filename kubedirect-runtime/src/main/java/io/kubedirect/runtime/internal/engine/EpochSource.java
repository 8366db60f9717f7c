package io.kubedirect.runtime.internal.engine;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Issues link epochs and object versions: a hybrid logical clock in microseconds. Results are
 * strictly increasing, follow the wall clock when it is ahead, and move past every value
 * {@linkplain #observe observed} from peers (an epoch a receiver has installed, the versions a
 * downstream holds), so a restarted stage whose clock stepped back still issues numbers larger than
 * its previous incarnation's once it has talked to its peers. Thread-safe.
 */
public interface EpochSource {

  /** The next number; strictly greater than every earlier result and every observed value. */
  long next();

  /** Moves the clock past {@code value} (a number issued by a peer); never moves it back. */
  void observe(long value);

  /**
   * The largest number a peer may present now: this clock's current reading plus {@code skew}. A
   * receiver rejects handshakes whose epoch lies beyond it, so a hostile or broken peer cannot push
   * a source's epoch (and, through {@link #observe}, everybody's clock) arbitrarily far ahead.
   */
  long ceiling(Duration skew);

  /** A hybrid logical clock on the system clock (UTC microseconds). */
  static EpochSource wallClock() {
    return fromMicros(
        () -> {
          Instant now = Clock.systemUTC().instant();
          return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
        });
  }

  /** A hybrid logical clock on an injectable microsecond clock (the simulation's virtual time). */
  static EpochSource fromMicros(LongSupplier micros) {
    return new EpochSource() {
      private long last;

      @Override
      public synchronized long next() {
        last = Math.max(last + 1, micros.getAsLong());
        return last;
      }

      @Override
      public synchronized void observe(long value) {
        last = Math.max(last, value);
      }

      @Override
      public synchronized long ceiling(Duration skew) {
        long base = Math.max(last, micros.getAsLong());
        long add = skew.toNanos() / 1_000;
        return base > Long.MAX_VALUE - add ? Long.MAX_VALUE : base + add;
      }
    };
  }
}
