package io.kubedirect.examples.bench.trace;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * What {@link TraceGenerator} generates: an Azure-Functions-like trace of {@code functions}
 * functions over {@code minutes} minutes from {@code seed}. See {@link TraceGenerator} for the
 * model.
 *
 * @param name the preset's name (or any label)
 * @param seed the random seed: the same spec gives the same trace
 * @param functions number of functions
 * @param minutes length of the trace
 * @param warmupMinutes leading minutes replayed but left out of the statistics
 * @param rateMedianPerMinute median of the functions' mean invocations per minute (log-normal)
 * @param rateSigma sigma of the log-normal popularity (larger: heavier tail)
 * @param maxPerMinute most invocations of one function in one minute (caps the tail)
 * @param burstProbability chance that a function's minute is a burst
 * @param burstFactor how much a burst minute multiplies the function's rate
 * @param idleProbability chance that a function is idle in a minute (on/off behaviour)
 * @param executionMedianMs median of the functions' execution times (log-normal)
 * @param executionSigma sigma of the execution-time log-normal
 * @param executionMinMs shortest execution time
 * @param executionMaxMs longest execution time
 */
public record TraceSpec(
    String name,
    long seed,
    int functions,
    int minutes,
    int warmupMinutes,
    double rateMedianPerMinute,
    double rateSigma,
    int maxPerMinute,
    double burstProbability,
    double burstFactor,
    double idleProbability,
    double executionMedianMs,
    double executionSigma,
    int executionMinMs,
    int executionMaxMs) {

  /** The default seed of the presets. */
  public static final long DEFAULT_SEED = 12;

  /**
   * @throws IllegalArgumentException if a value is out of range (the message names it)
   */
  public TraceSpec {
    require(name != null && name.matches("[A-Za-z0-9._-]{1,40}"), "name: 1-40 of [A-Za-z0-9._-]");
    require(functions >= 1 && functions <= 1000, "functions must be 1..1000, got " + functions);
    require(minutes >= 1 && minutes <= 1440, "minutes must be 1..1440, got " + minutes);
    require(
        warmupMinutes >= 0 && warmupMinutes < minutes,
        "warmupMinutes must be 0.." + (minutes - 1) + ", got " + warmupMinutes);
    require(rateMedianPerMinute > 0, "rateMedianPerMinute must be > 0");
    require(rateSigma >= 0 && rateSigma <= 5, "rateSigma must be 0..5");
    require(maxPerMinute >= 1 && maxPerMinute <= 60_000, "maxPerMinute must be 1..60000");
    require(burstProbability >= 0 && burstProbability <= 1, "burstProbability must be 0..1");
    require(burstFactor >= 1, "burstFactor must be >= 1");
    require(idleProbability >= 0 && idleProbability < 1, "idleProbability must be in [0, 1)");
    require(executionMedianMs > 0, "executionMedianMs must be > 0");
    require(executionSigma >= 0 && executionSigma <= 5, "executionSigma must be 0..5");
    require(
        executionMinMs >= 0 && executionMinMs <= executionMaxMs,
        "need 0 <= executionMinMs <= executionMaxMs");
    require(executionMaxMs <= 600_000, "executionMaxMs must be <= 600000");
  }

  /**
   * CI-sized: 30 functions, 2 minutes, no warm-up; 250-1,600 requests depending on the seed (1,517
   * with the default seed 12).
   */
  public static TraceSpec shortPreset(long seed) {
    return new TraceSpec("short", seed, 30, 2, 0, 3, 1.6, 300, 0.15, 5, 0.2, 150, 1.0, 5, 3_000);
  }

  /**
   * The paper-like run: 200 functions, 12 minutes, the first 2 minutes a warm-up left out of the
   * statistics; 8,000-13,000 requests depending on the seed (12,269 with the default seed 12).
   */
  public static TraceSpec longPreset(long seed) {
    return new TraceSpec("long", seed, 200, 12, 2, 1, 1.6, 600, 0.15, 5, 0.2, 150, 1.0, 5, 3_000);
  }

  /**
   * The preset {@code name} ({@code short} or {@code long}).
   *
   * @throws IllegalArgumentException for another name
   */
  public static TraceSpec preset(String name, long seed) {
    return switch (name.toLowerCase(Locale.ROOT)) {
      case "short" -> shortPreset(seed);
      case "long" -> longPreset(seed);
      default ->
          throw new IllegalArgumentException(
              "unknown trace preset '" + name + "' (expected short or long)");
    };
  }

  /** The fields as {@code key=value} pairs, in declaration order (the CSV header uses them). */
  public Map<String, String> toMap() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("name", name);
    m.put("seed", Long.toString(seed));
    m.put("functions", Integer.toString(functions));
    m.put("minutes", Integer.toString(minutes));
    m.put("warmupMinutes", Integer.toString(warmupMinutes));
    m.put("rateMedianPerMinute", Double.toString(rateMedianPerMinute));
    m.put("rateSigma", Double.toString(rateSigma));
    m.put("maxPerMinute", Integer.toString(maxPerMinute));
    m.put("burstProbability", Double.toString(burstProbability));
    m.put("burstFactor", Double.toString(burstFactor));
    m.put("idleProbability", Double.toString(idleProbability));
    m.put("executionMedianMs", Double.toString(executionMedianMs));
    m.put("executionSigma", Double.toString(executionSigma));
    m.put("executionMinMs", Integer.toString(executionMinMs));
    m.put("executionMaxMs", Integer.toString(executionMaxMs));
    return m;
  }

  /**
   * The spec from {@link #toMap()}'s pairs.
   *
   * @throws IllegalArgumentException if a key is missing or a value is malformed or out of range
   */
  public static TraceSpec fromMap(Map<String, String> m) {
    try {
      return new TraceSpec(
          get(m, "name"),
          Long.parseLong(get(m, "seed")),
          Integer.parseInt(get(m, "functions")),
          Integer.parseInt(get(m, "minutes")),
          Integer.parseInt(get(m, "warmupMinutes")),
          Double.parseDouble(get(m, "rateMedianPerMinute")),
          Double.parseDouble(get(m, "rateSigma")),
          Integer.parseInt(get(m, "maxPerMinute")),
          Double.parseDouble(get(m, "burstProbability")),
          Double.parseDouble(get(m, "burstFactor")),
          Double.parseDouble(get(m, "idleProbability")),
          Double.parseDouble(get(m, "executionMedianMs")),
          Double.parseDouble(get(m, "executionSigma")),
          Integer.parseInt(get(m, "executionMinMs")),
          Integer.parseInt(get(m, "executionMaxMs")));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed number in trace spec: " + e.getMessage(), e);
    }
  }

  private static String get(Map<String, String> m, String key) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException("trace spec lacks " + key);
    }
    return v;
  }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException("trace spec: " + message);
    }
  }
}
