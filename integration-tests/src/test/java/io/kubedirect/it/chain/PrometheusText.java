package io.kubedirect.it.chain;

import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sums samples of a scrape in the Prometheus text format (as {@code StageMainIT} does). */
final class PrometheusText {

  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"([^\"]*)\"");

  private PrometheusText() {}

  /** The sum of the samples named {@code name} whose labels include {@code match}. */
  static double sum(String text, String name, Map<String, String> match) {
    double total = 0;
    Matcher m = SAMPLE.matcher(text);
    while (m.find()) {
      if (!m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      if (labels.entrySet().containsAll(match.entrySet())) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return total;
  }
}
