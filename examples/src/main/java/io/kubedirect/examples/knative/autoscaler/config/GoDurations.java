package io.kubedirect.examples.knative.autoscaler.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Go's {@code time.ParseDuration} and {@code Duration.String} for the values Knative reads ({@code
 * 60s}, {@code 1m30s}).
 */
public final class GoDurations {

  private static final Pattern PART =
      Pattern.compile("([0-9]*(?:\\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)");

  private GoDurations() {}

  /** Parses a Go duration; throws {@link IllegalArgumentException} if malformed. */
  public static Duration parse(String s) {
    String in = s;
    boolean negative = false;
    if (in.startsWith("-") || in.startsWith("+")) {
      negative = in.charAt(0) == '-';
      in = in.substring(1);
    }
    if (in.equals("0")) {
      return Duration.ZERO;
    }
    if (in.isEmpty()) {
      throw new IllegalArgumentException("invalid duration \"" + s + "\"");
    }
    Matcher m = PART.matcher(in);
    BigDecimal nanos = BigDecimal.ZERO;
    int pos = 0;
    while (pos < in.length()) {
      if (!m.find(pos) || m.start() != pos || m.group(1).isEmpty() || m.group(1).equals(".")) {
        throw new IllegalArgumentException("invalid duration \"" + s + "\"");
      }
      long unit =
          switch (m.group(2)) {
            case "ns" -> 1L;
            case "us", "µs", "μs" -> 1_000L;
            case "ms" -> 1_000_000L;
            case "s" -> 1_000_000_000L;
            case "m" -> 60_000_000_000L;
            default -> 3_600_000_000_000L;
          };
      nanos = nanos.add(new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)));
      pos = m.end();
    }
    long n = nanos.longValue(); // Go truncates fractional nanoseconds.
    return Duration.ofNanos(negative ? -n : n);
  }

  /**
   * Go's {@code Duration.String} for whole seconds ({@code 1h0m0s}, {@code 1m0s}, {@code 6s});
   * others as seconds.
   */
  public static String format(Duration d) {
    if (d.getNano() != 0) {
      return d.toNanos() / 1e9 + "s";
    }
    long s = Math.abs(d.getSeconds());
    String sign = d.isNegative() ? "-" : "";
    if (s < 60) {
      return sign + s + "s";
    }
    if (s < 3600) {
      return sign + (s / 60) + "m" + (s % 60) + "s";
    }
    return sign + (s / 3600) + "h" + (s % 3600 / 60) + "m" + (s % 60) + "s";
  }
}
