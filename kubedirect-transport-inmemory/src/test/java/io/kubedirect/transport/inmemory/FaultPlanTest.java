package io.kubedirect.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.PeerAddress;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FaultPlanTest {

  private static final List<List<String>> LINKS = List.of(List.of("a", "b"), List.of("b", "c"));

  @Test
  void randomPlansReplayFromTheSeedAndEndByClearingEverything() {
    FaultPlan p1 = FaultPlan.random(new Random(5), LINKS, Duration.ofSeconds(2), 12, false);
    FaultPlan p2 = FaultPlan.random(new Random(5), LINKS, Duration.ofSeconds(2), 12, false);
    FaultPlan p3 = FaultPlan.random(new Random(6), LINKS, Duration.ofSeconds(2), 12, false);
    assertThat(p1.toString()).isEqualTo(p2.toString()).isNotEqualTo(p3.toString());
    assertThat(p1.horizon()).isEqualTo(Duration.ofSeconds(2));
    assertThat(p1.steps().get(p1.steps().size() - 1).description()).isEqualTo("clear all faults");
    assertThat(p1.steps()).extracting(FaultPlan.Step::at).isSorted();
  }

  @Test
  void tcpOnlyPlansNeverDuplicateOrReorder() {
    FaultPlan p = FaultPlan.random(new Random(9), LINKS, Duration.ofSeconds(2), 50, true);
    assertThat(p.steps())
        .filteredOn(s -> s.description().startsWith("faults "))
        .isNotEmpty()
        .allSatisfy(
            s ->
                assertThat(s.description())
                    .contains("duplicateProbability=0.0")
                    .contains("reorderProbability=0.0")
                    .contains("dropKillsLink=true"));
  }

  @Test
  void withoutSilentDropsEveryDropResetsButTheRestOfThePlanIsUnchanged() {
    FaultPlan with = FaultPlan.random(new Random(9), LINKS, Duration.ofSeconds(2), 50, false, true);
    FaultPlan without =
        FaultPlan.random(new Random(9), LINKS, Duration.ofSeconds(2), 50, false, false);
    assertThat(with.steps())
        .filteredOn(s -> s.description().contains("dropKillsLink=false"))
        .isNotEmpty();
    assertThat(without.steps()).noneMatch(s -> s.description().contains("dropKillsLink=false"));
    assertThat(without.steps())
        .extracting(FaultPlan.Step::at)
        .containsExactlyElementsOf(with.steps().stream().map(FaultPlan.Step::at).toList());
  }

  @Test
  void scheduledStepsActOnTheNetworkAtTheirTime() {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(1);
    InMemoryNetwork net = InMemoryNetwork.builder(s).latency(Duration.ofMillis(1)).build();
    RecordingHandler server = new RecordingHandler();
    RecordingHandler client = new RecordingHandler();
    PeerAddress addr = net.transport("b").listen(new PeerAddress("b", 0), server).localAddress();
    ClientLink cl = net.transport("a").connect(addr, "b", client);
    s.runFor(Duration.ofMillis(10));

    FaultPlan.builder()
        .kill(Duration.ofMillis(100), "a", "b")
        .partition(Duration.ofMillis(200), Duration.ofMillis(400), "a", "b")
        .build()
        .schedule(net);

    s.runFor(Duration.ofMillis(99));
    assertThat(client.closes).isZero();
    s.runFor(Duration.ofMillis(2));
    assertThat(client.closes).isEqualTo(1);
    s.runFor(Duration.ofMillis(150)); // t = 260 ms: reconnected, then partitioned
    assertThat(net.faults().isPartitioned("a", "b")).isTrue();
    s.runFor(Duration.ofMillis(200)); // t = 460 ms: healed
    assertThat(net.faults().isPartitioned("a", "b")).isFalse();
    s.runFor(Duration.ofSeconds(3));
    assertThat(cl.current()).isPresent();
    assertThat(net.trace().recent()).anyMatch(e -> e.contains("plan kill a<->b"));
  }

  @Test
  void badInputIsRejected() {
    assertThatThrownBy(
            () -> FaultPlan.random(new Random(1), List.of(), Duration.ofSeconds(1), 1, true))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                FaultPlan.builder()
                    .partition(Duration.ofSeconds(2), Duration.ofSeconds(1), "a", "b"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> FaultSpec.builder().drop(1.5, false).build())
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                InMemoryTransport.builder(
                        InMemoryNetwork.builder(new DeterministicTaskScheduler(1)).build(), " ")
                    .build())
        .isInstanceOf(IllegalStateException.class);
  }
}
