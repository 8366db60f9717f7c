package io.kubedirect.examples.bench.trace;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates a synthetic trace shaped like the Azure Functions trace (Shahrad et al., "Serverless in
 * the Wild", ATC '20): a few functions take most invocations, most are invoked a few times per
 * minute or less, traffic comes in bursts, and execution times span milliseconds to seconds. Pure
 * and deterministic: the same {@link TraceSpec} (seed included) gives the same trace.
 *
 * <p>Per function (each drawn from its own stream split off the seed, in function order):
 *
 * <ul>
 *   <li>popularity: a mean rate per minute, log-normal with median {@link
 *       TraceSpec#rateMedianPerMinute()} and sigma {@link TraceSpec#rateSigma()} (heavy tail),
 *       capped at {@link TraceSpec#maxPerMinute()};
 *   <li>execution time: log-normal with median {@link TraceSpec#executionMedianMs()} and sigma
 *       {@link TraceSpec#executionSigma()}, clamped to [{@link TraceSpec#executionMinMs()}, {@link
 *       TraceSpec#executionMaxMs()}];
 *   <li>per minute: idle with probability {@link TraceSpec#idleProbability()}, otherwise a burst
 *       (rate times {@link TraceSpec#burstFactor()}) with probability {@link
 *       TraceSpec#burstProbability()}; the minute's count is Poisson with that rate (capped at
 *       {@code maxPerMinute}), and its arrivals follow exponential inter-arrival times (a Poisson
 *       process conditioned on the count: n + 1 exponential gaps scaled to the minute);
 *   <li>a function that drew no invocation at all gets one at a uniformly random time, so every
 *       function of the spec appears in the trace.
 * </ul>
 *
 * Functions are named {@code fn-000}, {@code fn-001}, ...
 */
public final class TraceGenerator {

  private TraceGenerator() {}

  /** The trace of {@code spec}. */
  public static Trace generate(TraceSpec spec) {
    SplittableRandom root = new SplittableRandom(spec.seed());
    List<Trace.Function> functions = new ArrayList<>();
    List<Trace.Invocation> invocations = new ArrayList<>();
    String format = "fn-%0" + Math.max(3, Integer.toString(spec.functions() - 1).length()) + "d";
    for (int f = 0; f < spec.functions(); f++) {
      SplittableRandom rng = root.split();
      String name = String.format(java.util.Locale.ROOT, format, f);
      double rate =
          Math.min(
              spec.maxPerMinute(),
              spec.rateMedianPerMinute() * Math.exp(spec.rateSigma() * gaussian(rng)));
      long exec =
          Math.round(spec.executionMedianMs() * Math.exp(spec.executionSigma() * gaussian(rng)));
      int executionMs =
          (int) Math.max(spec.executionMinMs(), Math.min(spec.executionMaxMs(), exec));
      functions.add(new Trace.Function(name, executionMs));
      int before = invocations.size();
      for (int minute = 0; minute < spec.minutes(); minute++) {
        if (rng.nextDouble() < spec.idleProbability()) {
          continue;
        }
        double lambda =
            rate * (rng.nextDouble() < spec.burstProbability() ? spec.burstFactor() : 1);
        int n = Math.min(spec.maxPerMinute(), poisson(rng, lambda));
        if (n == 0) {
          continue;
        }
        double[] cumulative = new double[n + 1];
        double sum = 0;
        for (int i = 0; i <= n; i++) {
          sum += -Math.log(1 - rng.nextDouble()); // Exp(1)
          cumulative[i] = sum;
        }
        long start = minute * 60_000L;
        for (int i = 0; i < n; i++) {
          long at = start + (long) Math.floor(60_000 * cumulative[i] / sum);
          invocations.add(new Trace.Invocation(at, name, executionMs));
        }
      }
      if (invocations.size() == before) {
        long at = (long) Math.floor(rng.nextDouble() * spec.minutes() * 60_000L);
        invocations.add(new Trace.Invocation(at, name, executionMs));
      }
    }
    invocations.sort(
        Comparator.comparingLong(Trace.Invocation::atMs).thenComparing(Trace.Invocation::function));
    return new Trace(spec, functions, invocations);
  }

  /** A standard normal draw (Box-Muller; deterministic for the stream). */
  static double gaussian(SplittableRandom rng) {
    double u1 = 1 - rng.nextDouble(); // (0, 1]
    double u2 = rng.nextDouble();
    return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /**
   * A Poisson draw with mean {@code lambda}: Knuth's product method below 30, a rounded normal
   * approximation above.
   */
  static int poisson(SplittableRandom rng, double lambda) {
    if (lambda <= 0) {
      return 0;
    }
    if (lambda < 30) {
      double limit = Math.exp(-lambda);
      double p = 1;
      int k = 0;
      do {
        k++;
        p *= rng.nextDouble();
      } while (p > limit);
      return k - 1;
    }
    return (int) Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(rng)));
  }
}
