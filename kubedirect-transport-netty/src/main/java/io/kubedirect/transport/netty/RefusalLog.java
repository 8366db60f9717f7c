package io.kubedirect.transport.netty;

import java.util.EnumMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WARN logs of refused connections, at most one line per limit every {@value #INTERVAL_SECONDS} s
 * (a flood must not flood the log too); the rest go to DEBUG. The metric counts every refusal.
 */
final class RefusalLog {

  static final long INTERVAL_SECONDS = 10;
  private static final Logger log = LoggerFactory.getLogger(RefusalLog.class);
  private static final Map<Admission.Reason, Long> LAST = new EnumMap<>(Admission.Reason.class);

  private RefusalLog() {}

  static void warn(Admission.Reason reason, String format, Object... args) {
    long now = System.nanoTime();
    boolean loud;
    synchronized (LAST) {
      Long last = LAST.get(reason);
      loud = last == null || now - last >= INTERVAL_SECONDS * 1_000_000_000L;
      if (loud) {
        LAST.put(reason, now);
      }
    }
    if (loud) {
      log.warn(
          format
              + " ("
              + reason.tag
              + "; further refusals for this reason logged at DEBUG for "
              + INTERVAL_SECONDS
              + " s)",
          args);
    } else {
      log.debug(format, args);
    }
  }
}
