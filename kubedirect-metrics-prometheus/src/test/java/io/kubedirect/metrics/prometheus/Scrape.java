package io.kubedirect.metrics.prometheus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A parsed Prometheus text-format (0.0.4) scrape: families with their types, samples with their
 * labels.
 */
final class Scrape {

  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  private final Map<String, String> types = new LinkedHashMap<>();
  private final List<Sample> samples = new ArrayList<>();

  static Scrape parse(String text) {
    Scrape s = new Scrape();
    for (String line : text.split("\n")) {
      if (line.startsWith("# TYPE ")) {
        String[] p = line.split(" ");
        s.types.put(p[2], p[3]);
      } else if (!line.isBlank() && !line.startsWith("#")) {
        int brace = line.indexOf('{');
        int space = line.lastIndexOf(' ');
        String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, space);
        Map<String, String> labels = new LinkedHashMap<>();
        if (brace >= 0) {
          Matcher m = LABEL.matcher(line.substring(brace, line.lastIndexOf('}') + 1));
          while (m.find()) {
            labels.put(m.group(1), m.group(2));
          }
        }
        s.samples.add(new Sample(name, labels, Double.parseDouble(line.substring(space + 1))));
      }
    }
    return s;
  }

  /** The family names (from the {@code # TYPE} lines). */
  Set<String> families() {
    return types.keySet();
  }

  String type(String family) {
    return types.get(family);
  }

  /**
   * The label-name sets of the samples of {@code family} (histograms: its _bucket/_count/_sum
   * samples).
   */
  Set<Set<String>> labelSets(String family) {
    Set<Set<String>> out = new LinkedHashSet<>();
    for (Sample s : samples) {
      if (belongs(s.name, family)) {
        out.add(new TreeSet<>(s.labels.keySet()));
      }
    }
    return out;
  }

  private boolean belongs(String sample, String family) {
    if (sample.equals(family)) {
      return true;
    }
    String t = types.get(family);
    return ("histogram".equals(t) || "summary".equals(t))
        && (sample.equals(family + "_bucket")
            || sample.equals(family + "_count")
            || sample.equals(family + "_sum"));
  }

  /** The samples named {@code name} whose labels include {@code match}. */
  List<Sample> samples(String name, Map<String, String> match) {
    return samples.stream()
        .filter(s -> s.name.equals(name))
        .filter(s -> s.labels.entrySet().containsAll(match.entrySet()))
        .toList();
  }

  /** The value of the one sample named {@code name} matching {@code match}. */
  double value(String name, Map<String, String> match) {
    List<Sample> found = samples(name, match);
    if (found.size() != 1) {
      throw new AssertionError("expected one sample " + name + match + ", found " + found);
    }
    return found.get(0).value;
  }

  /** The sum over the samples named {@code name} matching {@code match}. */
  double sum(String name, Map<String, String> match) {
    return samples(name, match).stream().mapToDouble(Sample::value).sum();
  }
}
