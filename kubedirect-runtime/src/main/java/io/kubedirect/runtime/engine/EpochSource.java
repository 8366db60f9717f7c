package io.kubedirect.runtime.engine;

import java.time.Clock;
import java.time.Instant;
import java.util.function.LongSupplier;

/**
 * Issues link epochs and object versions: strictly increasing numbers that also exceed everything issued
 * before a restart, as long as the clock they derive from does not run backwards past the old values.
 * Thread-safe.
 */
@FunctionalInterface
public interface EpochSource {

  /** The next number; strictly greater than every earlier result of this instance. */
  long next();

  /** {@code max(last + 1, wall-clock microseconds)}. */
  static EpochSource wallClock() {
    return fromMicros(() -> {
      Instant now = Clock.systemUTC().instant();
      return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    });
  }

  /** {@code max(last + 1, micros())} for an injectable clock (the simulation's virtual time). */
  static EpochSource fromMicros(LongSupplier micros) {
    return new EpochSource() {
      private long last;

      @Override
      public synchronized long next() {
        last = Math.max(last + 1, micros.getAsLong());
        return last;
      }
    };
  }
}
