package io.kubedirect.examples.faas.activator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.metrics.Stat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Knative's activator accounting on a virtual clock. */
class ConcurrencyReporterTest {

  private static final RevisionKey FN = new RevisionKey("ns", "fn");
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final List<Map.Entry<RevisionKey, Stat>> sent = new ArrayList<>();
  private final ConcurrencyReporter reporter =
      new ConcurrencyReporter(
          "activator", (k, s) -> sent.add(Map.entry(k, s)), Runnable::run, now::get);

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void firstRequestIsReportedAtOnceThenAveragesEverySecondAndAnIdleFunctionIsDropped() {
    reporter.requestIn(FN);
    assertThat(sent).containsExactly(Map.entry(FN, Stat.of("activator", 1, 1)));
    reporter.requestIn(FN); // not the first any more
    assertThat(sent).hasSize(1);

    // two requests in flight for half a second, then one for the other half: average 1.5, 2
    // requests,
    // minus the request already reported -> 0.5 and 1
    advance(Duration.ofMillis(500));
    reporter.requestOut(FN);
    advance(Duration.ofMillis(500));
    reporter.report();
    assertThat(sent.get(1)).isEqualTo(Map.entry(FN, Stat.of("activator", 0.5, 1)));

    // one in flight all second
    advance(Duration.ofSeconds(1));
    reporter.report();
    assertThat(sent.get(2).getValue()).isEqualTo(Stat.of("activator", 1, 0));

    reporter.requestOut(FN);
    advance(Duration.ofSeconds(1));
    reporter.report(); // idle period: reported as 0, then dropped
    assertThat(sent.get(3).getValue()).isEqualTo(Stat.of("activator", 0, 0));
    advance(Duration.ofSeconds(1));
    reporter.report();
    assertThat(sent).hasSize(4);

    reporter.requestIn(FN); // idle again: reported at once
    assertThat(sent.get(4).getValue()).isEqualTo(Stat.of("activator", 1, 1));
    assertThat(reporter.concurrency(FN)).isEqualTo(1);
  }
}
