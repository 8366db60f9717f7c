package io.kubedirect.runtime.internal.writeback;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static io.kubedirect.runtime.internal.engine.TestPods.withPhase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubernetes.client.common.KubernetesObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The write-back's writes run on their own executor, whose thread count bounds them. */
class WriteBackConcurrencyTest {

  final ExecutorServiceTaskScheduler sched = new ExecutorServiceTaskScheduler("wb-test", 1);
  final ExecutorService writers = Executors.newFixedThreadPool(3);
  final BlockingStore store = new BlockingStore();
  final WriteBackQueue queue =
      new WriteBackQueue(
          store,
          sched,
          new EngineMetrics(null, "test"),
          Duration.ofMillis(10),
          Duration.ofMillis(100),
          null,
          Duration.ZERO,
          8,
          DefaultKindStrategies::forKind,
          new WriteBackQueue.Listener() {},
          writers);

  @AfterEach
  void stop() {
    store.release.countDown();
    writers.shutdownNow();
    sched.close();
  }

  @Test
  void writesInFlightNeverExceedTheWritersAndReachThem() {
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      fs.add(
          queue.submit(
              POD,
              WriteOp.UPDATE_STATUS,
              withPhase(pod("p" + i, "node-1"), "Running"),
              null,
              WriteBackPolicy.EAGER));
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> store.inFlight.get() == 3);
    assertThat(store.maxInFlight.get()).isEqualTo(3);
    assertThat(fs).noneMatch(CompletableFuture::isDone);

    store.release.countDown();
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fs.stream().allMatch(CompletableFuture::isDone));
    assertThat(fs).allMatch(f -> !f.isCompletedExceptionally());
    assertThat(store.maxInFlight.get()).isEqualTo(3);
    assertThat(store.creates.get()).isEqualTo(10);
    assertThat(store.statusWrites.get()).isEqualTo(10);
    assertThat(store.overlapsOfOneObject.get()).isZero();
  }

  @Test
  void theWritesOfOneObjectStayInOrderOneAtATime() {
    store.release.countDown();
    List<CompletableFuture<KubernetesObject>> fs = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < 4; i++) {
        fs.add(
            queue.submit(
                POD,
                WriteOp.UPDATE_STATUS,
                withPhase(pod("p" + i, "node-1"), "Running-" + round),
                null,
                WriteBackPolicy.EAGER));
      }
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> fs.stream().allMatch(CompletableFuture::isDone));
    assertThat(fs).allMatch(f -> !f.isCompletedExceptionally());
    assertThat(store.creates.get()).isEqualTo(4);
    assertThat(store.overlapsOfOneObject.get()).isZero();
    for (int i = 0; i < 4; i++) {
      assertThat(store.lastPhase.get("p" + i)).isEqualTo("Running-19");
    }
  }

  /** A store whose calls block until {@link #release}; counts calls in flight. */
  static final class BlockingStore implements PersistedObjectApi {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger statusWrites = new AtomicInteger();
    final AtomicInteger overlapsOfOneObject = new AtomicInteger();
    final Set<String> busy = ConcurrentHashMap.newKeySet();
    final Map<String, String> lastPhase = new ConcurrentHashMap<>();
    final AtomicInteger rv = new AtomicInteger();

    private WriteResult call(KubernetesObject o, Runnable effect) {
      String name = o.getMetadata().getName();
      if (!busy.add(name)) {
        overlapsOfOneObject.incrementAndGet();
      }
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      try {
        if (!release.await(30, TimeUnit.SECONDS)) {
          return WriteResult.of(WriteResult.Status.RETRYABLE_FAILURE, "not released");
        }
        effect.run();
        KubernetesObject stored = ObjectSupport.deepCopy(o);
        stored.getMetadata().uid(UUID.nameUUIDFromBytes(name.getBytes()).toString());
        stored.getMetadata().resourceVersion(Integer.toString(rv.incrementAndGet()));
        return WriteResult.ok(stored);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return WriteResult.of(WriteResult.Status.RETRYABLE_FAILURE, "interrupted");
      } finally {
        inFlight.decrementAndGet();
        busy.remove(name);
      }
    }

    @Override
    public WriteResult create(String kind, KubernetesObject object) {
      return call(object, creates::incrementAndGet);
    }

    @Override
    public WriteResult update(String kind, KubernetesObject object) {
      return call(object, () -> {});
    }

    @Override
    public WriteResult updateStatus(String kind, KubernetesObject object) {
      return call(
          object,
          () -> {
            statusWrites.incrementAndGet();
            var status = ObjectSupport.status(object);
            lastPhase.put(
                object.getMetadata().getName(),
                ((io.kubernetes.client.openapi.models.V1PodStatus) status).getPhase());
          });
    }

    @Override
    public WriteResult delete(String kind, String namespace, String name, String uid) {
      return WriteResult.ok(null);
    }

    @Override
    public Optional<KubernetesObject> get(String kind, String namespace, String name) {
      return Optional.empty();
    }
  }
}
