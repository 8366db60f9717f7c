package io.kubedirect.transport.inmemory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A timed script of network faults: each step runs against the network's {@link FaultInjector} at
 * an offset from {@link #schedule}. Write one by hand with {@link #builder()}, or draw one from a
 * seed with {@link #random}; {@link #steps()} describes it for failure reports. The last step of a
 * random plan clears every fault, so that a run can quiesce afterwards.
 */
public final class FaultPlan {

  private final List<Step> steps;

  private FaultPlan(List<Step> steps) {
    List<Step> sorted = new ArrayList<>(steps);
    sorted.sort(Comparator.comparing(Step::at)); // stable: same-instant steps keep their order
    this.steps = Collections.unmodifiableList(sorted);
  }

  /**
   * One step.
   *
   * @param at offset from the start of the plan
   * @param description what it does, for reports
   * @param action what it does
   */
  public record Step(Duration at, String description, Consumer<FaultInjector> action) {
    public Step {
      Objects.requireNonNull(at, "at");
      Objects.requireNonNull(description, "description");
      Objects.requireNonNull(action, "action");
      if (at.isNegative()) {
        throw new IllegalArgumentException("negative offset " + at);
      }
    }

    @Override
    public String toString() {
      return "+" + at.toMillis() + "ms " + description;
    }
  }

  /** The steps, by time. */
  public List<Step> steps() {
    return steps;
  }

  /** The offset of the last step (zero for an empty plan). */
  public Duration horizon() {
    return steps.isEmpty() ? Duration.ZERO : steps.get(steps.size() - 1).at();
  }

  /** Schedules every step on the network's scheduler, relative to now. */
  public void schedule(InMemoryNetwork network) {
    for (Step s : steps) {
      network
          .scheduler()
          .schedule(
              () -> {
                network
                    .trace()
                    .record(network.scheduler().nanoTime(), "plan " + s.description(), 0);
                s.action().accept(network.faults());
              },
              s.at());
    }
  }

  /** A builder for a hand-written plan. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Draws a plan from {@code random}: {@code events} faults spread over {@code horizon} on the
   * given links (pairs of stage names): connection kills, half-open connections, partitions that
   * heal, and windows of message faults (extra delays up to 150 ms). With {@code tcpOnly}, message
   * loss always resets the connection and there is no duplication or reordering (what a real
   * transport can do); otherwise all fault kinds are drawn. Ends with a step that clears all faults
   * at {@code horizon}.
   */
  public static FaultPlan random(
      Random random, List<List<String>> links, Duration horizon, int events, boolean tcpOnly) {
    return random(random, links, horizon, events, tcpOnly, !tcpOnly);
  }

  /**
   * Like {@link #random(Random, List, Duration, int, boolean)}, and with {@code silentDrops} false
   * every drop also resets the connection even when duplicates and reordering are drawn (the same
   * random draws are made, so the rest of the plan does not change).
   */
  public static FaultPlan random(
      Random random,
      List<List<String>> links,
      Duration horizon,
      int events,
      boolean tcpOnly,
      boolean silentDrops) {
    Objects.requireNonNull(random, "random");
    if (links.isEmpty()) {
      throw new IllegalArgumentException("no links");
    }
    for (List<String> l : links) {
      if (l.size() != 2) {
        throw new IllegalArgumentException("a link is a pair of stage names, got " + l);
      }
    }
    if (events < 0 || horizon.isNegative() || horizon.isZero()) {
      throw new IllegalArgumentException("need events >= 0 and a positive horizon");
    }
    Builder b = builder();
    long h = horizon.toNanos();
    for (int i = 0; i < events; i++) {
      List<String> link = links.get(random.nextInt(links.size()));
      String x = link.get(0);
      String y = link.get(1);
      Duration at = Duration.ofNanos((long) (random.nextDouble() * h * 0.9));
      Duration len = Duration.ofNanos((long) (h * (0.02 + random.nextDouble() * 0.2)));
      Duration until = at.plus(len).compareTo(horizon) < 0 ? at.plus(len) : horizon;
      int kind = random.nextInt(4);
      if (kind == 0) {
        b.kill(at, x, y);
      } else if (kind == 3) {
        b.halfOpen(at, x, y);
      } else if (kind == 1) {
        b.partition(at, until, x, y);
      } else {
        FaultSpec.Builder s =
            FaultSpec.builder()
                .delay(
                    Duration.ZERO,
                    Duration.ofMillis(1 + random.nextInt(random.nextBoolean() ? 20 : 150)));
        double drop = random.nextDouble() * 0.2;
        if (tcpOnly) {
          s.drop(drop * 0.25, true);
        } else {
          boolean kill = random.nextBoolean();
          s.drop(drop, kill || !silentDrops)
              .duplicate(random.nextDouble() * 0.2)
              .reorder(random.nextDouble() * 0.3, 1 + random.nextInt(4));
        }
        b.linkFaults(at, until, x, y, s.build());
      }
    }
    b.at(horizon, "clear all faults", FaultInjector::clearAll);
    return b.build();
  }

  @Override
  public String toString() {
    return steps.toString();
  }

  /** Builds a {@link FaultPlan}. */
  public static final class Builder {
    private final List<Step> steps = new ArrayList<>();

    private Builder() {}

    /** Runs {@code action} at {@code at}. */
    public Builder at(Duration at, String description, Consumer<FaultInjector> action) {
      steps.add(new Step(at, description, action));
      return this;
    }

    /** Resets the connections between {@code a} and {@code b} at {@code at}. */
    public Builder kill(Duration at, String a, String b) {
      return at(at, "kill " + a + "<->" + b, f -> f.killLinks(a, b));
    }

    /**
     * Makes the connections between {@code a} and {@code b} half-open at {@code at}; see {@link
     * FaultInjector#halfOpen}.
     */
    public Builder halfOpen(Duration at, String a, String b) {
      return at(at, "half-open " + a + "<->" + b, f -> f.halfOpen(a, b));
    }

    /** Partitions {@code a} from {@code b} during [{@code from}, {@code until}). */
    public Builder partition(Duration from, Duration until, String a, String b) {
      checkWindow(from, until);
      at(from, "partition " + a + "<->" + b, f -> f.partition(a, b));
      return at(until, "heal " + a + "<->" + b, f -> f.heal(a, b));
    }

    /**
     * Applies {@code spec} to the links between {@code a} and {@code b} during [{@code from},
     * {@code until}).
     */
    public Builder linkFaults(Duration from, Duration until, String a, String b, FaultSpec spec) {
      checkWindow(from, until);
      at(from, "faults " + a + "<->" + b + " " + spec, f -> f.setLink(a, b, spec));
      return at(until, "end faults " + a + "<->" + b, f -> f.clearLink(a, b));
    }

    /** Applies {@code spec} to every link during [{@code from}, {@code until}). */
    public Builder globalFaults(Duration from, Duration until, FaultSpec spec) {
      checkWindow(from, until);
      at(from, "global faults " + spec, f -> f.setGlobal(spec));
      return at(until, "end global faults", f -> f.setGlobal(FaultSpec.NONE));
    }

    private static void checkWindow(Duration from, Duration until) {
      if (until.compareTo(from) < 0) {
        throw new IllegalArgumentException("window ends before it starts: " + from + ".." + until);
      }
    }

    /** Builds the plan. */
    public FaultPlan build() {
      return new FaultPlan(steps);
    }
  }
}
