package io.kubedirect.examples.faas.activator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The throttler's capacity, queue and load balancing, without any network. */
class FunctionThrottlerTest {

  private static final RevisionKey FN = new RevisionKey("ns", "fn");
  private final AtomicLong now = new AtomicLong();

  private static SandboxEndpoint sandbox(String pod, int port, int cc) {
    return new SandboxEndpoint("ns/" + pod, "127.0.0.1", port, cc);
  }

  /** A waiter that records its grant. */
  private static final class Recorder implements FunctionThrottler.Waiter {
    final List<FunctionThrottler.Lease> leases = new ArrayList<>();

    @Override
    public void granted(FunctionThrottler.Lease lease) {
      leases.add(lease);
    }
  }

  @Test
  void queuesWithoutSandboxesAndGrantsInArrivalOrderWhenOneIsReady() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 10, now::get);
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    assertThat(t.acquire(a, false)).isNull();
    assertThat(t.acquire(b, false)).isNull();
    assertThat(t.waiting()).isEqualTo(2);

    t.update(Set.of(sandbox("p1", 1001, 1)));
    assertThat(a.leases).hasSize(1);
    assertThat(b.leases).isEmpty(); // capacity 1
    assertThat(t.waiting()).isEqualTo(1);

    a.leases.get(0).release();
    a.leases.get(0).release(); // idempotent
    assertThat(b.leases).hasSize(1);
    assertThat(t.inFlight()).isEqualTo(1);
  }

  @Test
  void aFullQueueRefusesAndACancelledWaiterIsNeverGranted() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 2, now::get);
    Recorder a = new Recorder();
    Recorder b = new Recorder();
    t.acquire(a, false);
    t.acquire(b, false);
    assertThatThrownBy(() -> t.acquire(new Recorder(), false))
        .isInstanceOf(FunctionThrottler.QueueFullException.class)
        .hasMessageContaining("2 requests of ns/fn");
    assertThat(t.cancel(a)).isTrue();
    assertThat(t.cancel(a)).isFalse();
    t.update(Set.of(sandbox("p1", 1001, 0)));
    assertThat(a.leases).isEmpty();
    assertThat(b.leases).hasSize(1);
  }

  @Test
  void newRequestsQueueBehindWaitingOnesButRetriesGoFirst() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 1, now::get);
    Recorder waiting = new Recorder();
    Recorder retry = new Recorder();
    t.acquire(waiting, false);
    assertThat(t.acquire(retry, true)).isNull(); // ignores the depth
    t.update(Set.of(sandbox("p1", 1001, 1)));
    assertThat(retry.leases).hasSize(1);
    assertThat(waiting.leases).isEmpty();
  }

  @Test
  void smallContainerConcurrencyFillsTheFirstSandboxFirst() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 100, now::get);
    t.update(Set.of(sandbox("p2", 1002, 2), sandbox("p1", 1001, 2)));
    List<String> pods = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pods.add(t.acquire(new Recorder(), false).endpoint().pod());
    }
    assertThat(pods).containsExactly("ns/p1", "ns/p1", "ns/p2", "ns/p2");
    assertThat(t.acquire(new Recorder(), false)).isNull();
  }

  @Test
  void largerContainerConcurrencyGoesRoundRobinWithinCapacity() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 100, now::get);
    t.update(Set.of(sandbox("p1", 1001, 4), sandbox("p2", 1002, 4), sandbox("p3", 1003, 4)));
    Map<String, Integer> per = new HashMap<>();
    for (int i = 0; i < 12; i++) {
      per.merge(t.acquire(new Recorder(), false).endpoint().pod(), 1, Integer::sum);
    }
    assertThat(per)
        .containsOnly(Map.entry("ns/p1", 4), Map.entry("ns/p2", 4), Map.entry("ns/p3", 4));
    assertThat(t.acquire(new Recorder(), false)).isNull();
  }

  @Test
  void unlimitedConcurrencyBalancesByTheLessLoadedOfTwo() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 100, now::get);
    t.update(Set.of(sandbox("p1", 1001, 0), sandbox("p2", 1002, 0)));
    Map<String, Integer> per = new HashMap<>();
    for (int i = 0; i < 100; i++) {
      per.merge(t.acquire(new Recorder(), false).endpoint().pod(), 1, Integer::sum);
    }
    // with two sandboxes the pair is always both: the less loaded one wins, so they stay even
    assertThat(per).containsOnly(Map.entry("ns/p1", 50), Map.entry("ns/p2", 50));
  }

  @Test
  void anUnhealthySandboxIsSkippedForItsCoolDown() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 100, now::get);
    t.update(Set.of(sandbox("p1", 1001, 1), sandbox("p2", 1002, 1)));
    FunctionThrottler.Lease first = t.acquire(new Recorder(), false);
    assertThat(first.endpoint().pod()).isEqualTo("ns/p1");
    t.markUnhealthy(first.tracker(), Duration.ofSeconds(1));
    first.release();
    assertThat(t.acquire(new Recorder(), false).endpoint().pod()).isEqualTo("ns/p2");
    Recorder waiting = new Recorder();
    assertThat(t.acquire(waiting, false)).isNull();
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    t.dispatch();
    assertThat(waiting.leases).extracting(l -> l.endpoint().pod()).containsExactly("ns/p1");
  }

  @Test
  void aSandboxThatStaysReadyKeepsItsInFlightCountAcrossUpdates() throws Exception {
    FunctionThrottler t = new FunctionThrottler(FN, 100, now::get);
    SandboxEndpoint p1 = sandbox("p1", 1001, 1);
    t.update(Set.of(p1));
    FunctionThrottler.Lease l = t.acquire(new Recorder(), false);
    t.update(Set.of(p1, sandbox("p2", 1002, 1)));
    assertThat(t.acquire(new Recorder(), false).endpoint().pod()).isEqualTo("ns/p2");
    t.update(Set.of());
    assertThat(t.sandboxes()).isEmpty();
    l.release(); // a lease of a withdrawn sandbox still releases cleanly
    Recorder waiting = new Recorder();
    assertThat(t.acquire(waiting, false)).isNull();
    assertThat(t.drainWaiting()).containsExactly(waiting);
  }
}
