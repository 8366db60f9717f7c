package io.kubedirect.runtime.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.informer.DirectSharedInformerFactory;
import io.kubedirect.runtime.internal.informer.InformerObjectFeed;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.EventType;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentList;
import io.kubernetes.client.openapi.models.V1DeploymentStatus;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The tail's union-view informer (a real client-java informer with resyncs) shows a received
 * desired-state update and never the older API copy again, through another writer's status write,
 * its unrelated spec change, a stale (older) API event and resyncs, until the update is written
 * back. The stages run on virtual time, so the lazy write-back happens only when the test lets time
 * pass; the informer runs on its own threads.
 */
class DesiredStateInformerTest {

  static final String DEPLOY = Kinds.of(V1Deployment.class);
  static final String KEY = "default/fn-a";

  final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(17);
  final InMemoryNetwork net = InMemoryNetwork.builder(sched).latency(Duration.ofMillis(1)).build();
  final FakePersistedStore persisted = new FakePersistedStore(sched);
  final FakeDiscovery discovery = new FakeDiscovery();
  final InformerObjectFeed feed = new InformerObjectFeed();
  final ExecutorService informerThreads = Executors.newCachedThreadPool();
  final List<StageEngine> engines = new ArrayList<>();
  DirectSharedInformerFactory factory;

  @AfterEach
  void tearDown() {
    if (factory != null) {
      factory.stopAllRegisteredInformers(true);
    }
    informerThreads.shutdownNow();
    engines.forEach(StageEngine::close);
  }

  /**
   * The API Server as the informer sees it: the fake store's objects, and its changes as watch
   * events.
   */
  static final class StoreListerWatcher implements ListerWatcher<V1Deployment, V1DeploymentList> {
    final FakePersistedStore store;
    final BlockingQueue<Watch.Response<V1Deployment>> events = new LinkedBlockingQueue<>();

    StoreListerWatcher(FakePersistedStore store) {
      this.store = store;
      store.addListener(
          DEPLOY,
          new PersistedObjectFeed.Listener() {
            @Override
            public void onPersisted(KubernetesObject o) {
              events.add(new Watch.Response<>(EventType.MODIFIED.name(), (V1Deployment) o));
            }

            @Override
            public void onDeleted(KubernetesObject o) {
              events.add(new Watch.Response<>(EventType.DELETED.name(), (V1Deployment) o));
            }
          });
    }

    @Override
    public V1DeploymentList list(CallGeneratorParams params) {
      List<V1Deployment> items = new ArrayList<>();
      store.list(DEPLOY).forEach(o -> items.add((V1Deployment) ObjectSupport.deepCopy(o)));
      return new V1DeploymentList()
          .metadata(
              new V1ListMeta()
                  .resourceVersion(Long.toString(store.currentRevision(DEPLOY).getAsLong())))
          .items(items);
    }

    @Override
    public Watchable<V1Deployment> watch(CallGeneratorParams params) {
      return new Watchable<>() {
        volatile boolean closed;
        Watch.Response<V1Deployment> next;

        @Override
        public boolean hasNext() {
          while (!closed && next == null) {
            try {
              next = events.poll(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return false;
            }
          }
          return next != null;
        }

        @Override
        public Watch.Response<V1Deployment> next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          Watch.Response<V1Deployment> r = next;
          next = null;
          return r;
        }

        @Override
        public Iterator<Watch.Response<V1Deployment>> iterator() {
          return this;
        }

        @Override
        public void close() {
          closed = true;
        }
      };
    }
  }

  /**
   * Runs the stages' virtual time in small steps until {@code done} (the informer needs real time).
   */
  void awaitWithVirtualTime(Duration step, java.util.function.BooleanSupplier done) {
    await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(5))
        .until(
            () -> {
              sched.runFor(step);
              return done.getAsBoolean();
            });
  }

  @Test
  void theInformerNeverShowsTheOlderStateBeforeTheUpdateIsWrittenBack() {
    StageEngine tail =
        StageEngine.builder()
            .stage(
                StageDeclaration.builder("deployment")
                    .upstream("autoscaler")
                    .receives(V1Deployment.class)
                    .build())
            .transport(net.transport("deployment"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(feed)
            .listen(new PeerAddress("deployment", 0))
            .writeBack(DEPLOY, WriteBackPolicy.lazy(Duration.ofSeconds(60)))
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1000))
            .build();
    tail.start();
    engines.add(tail);
    sched.runFor(Duration.ofMillis(5));
    discovery.put("deployment", "", tail.localAddress().orElseThrow());
    StageEngine autoscaler =
        StageEngine.builder()
            .stage(
                StageDeclaration.builder("autoscaler")
                    .downstream("deployment")
                    .emits(V1Deployment.class)
                    .build())
            .transport(net.transport("autoscaler"))
            .scheduler(sched)
            .persistedApi(persisted)
            .persistedFeed(persisted)
            .discovery(discovery)
            .epochSource(EpochSource.fromMicros(() -> sched.nanoTime() / 1000))
            .build();
    autoscaler.start();
    engines.add(autoscaler);

    V1Deployment initial =
        (V1Deployment) persisted.put(DEPLOY, DesiredStateUpdateTest.deploymentObject(1));
    StoreListerWatcher api = new StoreListerWatcher(persisted);
    ApiClient client = new ApiClient();
    client.setReadTimeout(0);
    factory =
        new DirectSharedInformerFactory(
            client, informerThreads, tail.store(), feed, Set.of(V1Deployment.class), Set.of());
    SharedIndexInformer<V1Deployment> informer =
        factory.sharedIndexInformerFor(api, V1Deployment.class, 1000L);
    List<Integer> seen = new CopyOnWriteArrayList<>();
    AtomicInteger updates = new AtomicInteger();
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Deployment d) {
            seen.add(d.getSpec().getReplicas());
          }

          @Override
          public void onUpdate(V1Deployment old, V1Deployment d) {
            seen.add(d.getSpec().getReplicas());
            updates.incrementAndGet();
          }

          @Override
          public void onDelete(V1Deployment d, boolean unknown) {
            seen.add(-1);
          }
        });
    factory.startAllRegisteredInformers();
    awaitWithVirtualTime(
        Duration.ofMillis(1), () -> informer.hasSynced() && replicas(informer) == 1);

    // The autoscaler sends the desired replicas of the existing Deployment.
    V1Deployment scaled = ObjectSupport.deepCopy(initial);
    scaled.getSpec().setReplicas(5);
    CompletableFuture<KubernetesObject> sent = autoscaler.write(DEPLOY, WriteOp.UPDATE, scaled);
    // The indexer shows the update before the handler has run: wait for the handler's event too.
    awaitWithVirtualTime(
        Duration.ofMillis(1), () -> sent.isDone() && replicas(informer) == 5 && seen.contains(5));
    int from = seen.lastIndexOf(5);

    // Another writer: a status write (same generation), then an unrelated spec change (a new
    // generation).
    V1Deployment status = ObjectSupport.deepCopy(initial);
    status.setStatus(new V1DeploymentStatus().replicas(1).observedGeneration(1L));
    V1Deployment statusStored = (V1Deployment) persisted.put(DEPLOY, status);
    V1Deployment other = ObjectSupport.deepCopy(statusStored);
    other.getSpec().setMinReadySeconds(7);
    other.getMetadata().setGeneration(2L);
    V1Deployment otherStored = (V1Deployment) persisted.put(DEPLOY, other);
    // A stale event: the status copy again, older than what the informer has seen by then.
    long newest = Long.parseLong(otherStored.getMetadata().getResourceVersion());
    awaitWithVirtualTime(
        Duration.ofMillis(1),
        () -> {
          return feed.observedRevision(DEPLOY).orElse(0) >= newest;
        });
    api.events.add(new Watch.Response<>(EventType.MODIFIED.name(), statusStored));
    await().atMost(Duration.ofSeconds(10)).until(api.events::isEmpty);
    // Resyncs (every second: client-java's minimum) replay the informer's cache.
    int before = updates.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> updates.get() >= before + 2);
    assertThat(persisted.log).noneMatch(l -> l.startsWith("UPDATE"));
    assertThat(seen.subList(from, seen.size()))
        .as("never the older replicas before the write-back")
        .containsOnly(5);

    // Once the write-back has happened, the informer shows the stored copy: both changes kept.
    awaitWithVirtualTime(
        Duration.ofSeconds(1),
        () -> {
          V1Deployment d = informer.getIndexer().getByKey(KEY);
          return d != null && d.getSpec().getMinReadySeconds() == 7 && tail.store().size() == 0;
        });
    V1Deployment shown = informer.getIndexer().getByKey(KEY);
    V1Deployment stored = (V1Deployment) persisted.stored(DEPLOY, KEY).orElseThrow();
    assertThat(shown.getSpec().getReplicas()).isEqualTo(5);
    assertThat(shown.getMetadata().getResourceVersion())
        .isEqualTo(stored.getMetadata().getResourceVersion());
    assertThat(persisted.log.stream().filter(l -> l.startsWith("UPDATE " + DEPLOY))).hasSize(1);
    assertThat(seen.subList(from, seen.size())).containsOnly(5);
  }

  static int replicas(SharedIndexInformer<V1Deployment> informer) {
    V1Deployment d = informer.getIndexer().getByKey(KEY);
    return d == null ? -1 : d.getSpec().getReplicas();
  }
}
