package io.kubedirect.runtime.internal.informer;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.runtime.internal.store.DefaultEphemeralStore;
import io.kubedirect.runtime.internal.store.EphemeralEntry;
import io.kubedirect.runtime.internal.store.RemovalReason;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.cache.Lister;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class UnionListerWatcherTest {

  final DefaultEphemeralStore store = new DefaultEphemeralStore();
  final InformerObjectFeed feed = new InformerObjectFeed();
  final FakeApiListerWatcher api = new FakeApiListerWatcher();
  final List<String> fed = new CopyOnWriteArrayList<>();

  {
    // Mimic the engine: an API copy removes the ephemeral entry.
    feed.addListener(
        POD,
        new PersistedObjectFeed.Listener() {
          @Override
          public void onPersisted(KubernetesObject o) {
            fed.add("persisted " + o.getMetadata().getName());
            store.remove(POD, "default/" + o.getMetadata().getName(), RemovalReason.PERSISTED);
          }

          @Override
          public void onDeleted(KubernetesObject o) {
            fed.add("deleted " + o.getMetadata().getName());
          }
        });
  }

  static V1Pod persisted(String name, String rv) {
    V1Pod p = pod(name, "node-1");
    p.getMetadata().setResourceVersion(rv);
    return p;
  }

  void ephemeral(String name, long version) {
    V1Pod p = pod(name, null);
    p.getMetadata().setResourceVersion("");
    store.upsert(new EphemeralEntry("rs", POD, "default/" + name, version, p, null));
  }

  @Test
  void theFirstListWaitsForTheGateAndThenShowsWhatWasAdoptedMeanwhile() throws Exception {
    java.util.concurrent.CompletableFuture<Void> gate =
        new java.util.concurrent.CompletableFuture<>();
    UnionListerWatcher<V1Pod, V1PodList> lw =
        new UnionListerWatcher<>(V1Pod.class, api, store, feed, gate);
    api.items.add(persisted("c", "9"));
    java.util.concurrent.CompletableFuture<V1PodList> listed =
        java.util.concurrent.CompletableFuture.supplyAsync(
            () -> {
              try {
                return lw.list(new CallGeneratorParams(false, null, null));
              } catch (io.kubernetes.client.openapi.ApiException e) {
                throw new IllegalStateException(e);
              }
            });
    await()
        .during(Duration.ofMillis(200))
        .atMost(Duration.ofSeconds(2))
        .until(() -> !listed.isDone());
    ephemeral("a", 1); // e.g. adopted from a downstream's snapshot
    gate.complete(null);
    V1PodList list = listed.get(10, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactlyInAnyOrder("a", "c");
  }

  @Test
  void listReturnsTheUnionAndTheApiCopyWins() throws Exception {
    UnionListerWatcher<V1Pod, V1PodList> lw =
        new UnionListerWatcher<>(V1Pod.class, api, store, feed);
    ephemeral("a", 1);
    ephemeral("b", 1);
    api.items.add(persisted("b", "8"));
    api.items.add(persisted("c", "9"));
    V1PodList list = lw.list(new CallGeneratorParams(false, null, null));
    assertThat(list.getMetadata().getResourceVersion()).isEqualTo("10");
    assertThat(list.getItems())
        .extracting(p -> p.getMetadata().getName() + "@" + p.getMetadata().getResourceVersion())
        .containsExactlyInAnyOrder("a@", "b@8", "c@9");
    assertThat(fed).containsExactly("persisted b", "persisted c");
    assertThat(store.get(POD, "default/b")).isEmpty();
    // The feed has observed everything up to the list's resourceVersion (the revision barrier's
    // input).
    assertThat(feed.observedRevision(POD)).hasValue(10);
  }

  @Test
  void theObservedRevisionOnlyGrowsAndIgnoresNonNumericVersions() {
    assertThat(feed.observedRevision(POD)).isEmpty();
    feed.observeRevision(POD, "12");
    feed.observeRevision(POD, "7");
    feed.observeRevision(POD, "not-a-number");
    feed.observeRevision(POD, "");
    assertThat(feed.observedRevision(POD)).hasValue(12);
    assertThat(feed.observedRevision("apps/v1/ReplicaSet")).isEmpty();
  }

  @Test
  void watchMergesEphemeralAndApiEventsAndUsesTheApiResourceVersion() throws Exception {
    UnionListerWatcher<V1Pod, V1PodList> lw =
        new UnionListerWatcher<>(V1Pod.class, api, store, feed);
    lw.list(new CallGeneratorParams(false, null, null));
    Watchable<V1Pod> w = lw.watch(new CallGeneratorParams(true, "", 300));
    assertThat(api.watchedFrom).containsExactly("10");

    ephemeral("d", 1);
    Watch.Response<V1Pod> r = w.next();
    assertThat(r.type).isEqualTo("ADDED");
    assertThat(r.object.getMetadata().getName()).isEqualTo("d");

    api.watchEvents.add(new Watch.Response<>("ADDED", persisted("d", "11")));
    r = w.next();
    assertThat(r.type).isEqualTo("ADDED");
    assertThat(r.object.getMetadata().getResourceVersion()).isEqualTo("11");
    assertThat(store.get(POD, "default/d"))
        .isEmpty(); // replaced by the API copy, without a delete event

    ephemeral("e", 1);
    assertThat(w.next().type).isEqualTo("ADDED");
    store.remove(POD, "default/e", RemovalReason.RETRACTED);
    r = w.next();
    assertThat(r.type).isEqualTo("DELETED");
    assertThat(r.object.getMetadata().getName()).isEqualTo("e");

    // A copy the engine holds over an API copy is shown (the engine holds only what the API copy
    // does not
    // supersede), until an API copy supersedes it.
    ephemeral("d", 2);
    r = w.next();
    assertThat(r.type).isEqualTo("MODIFIED");
    assertThat(r.object.getMetadata().getResourceVersion()).isEmpty();
    api.watchEvents.add(new Watch.Response<>("MODIFIED", persisted("d", "12")));
    r = w.next();
    assertThat(r.object.getMetadata().getResourceVersion()).isEqualTo("12");
    w.close();

    // A new watch resumes from the last API resourceVersion, not from an ephemeral one.
    lw.watch(new CallGeneratorParams(true, "", 300)).close();
    assertThat(api.watchedFrom).containsExactly("10", "12");
  }

  @Test
  void hasNextBlocksUntilCloseUnblocksIt() throws Exception {
    UnionListerWatcher<V1Pod, V1PodList> lw =
        new UnionListerWatcher<>(V1Pod.class, api, store, feed);
    lw.list(new CallGeneratorParams(false, null, null));
    Watchable<V1Pod> w = lw.watch(new CallGeneratorParams(true, "", 300));
    AtomicBoolean returned = new AtomicBoolean();
    AtomicBoolean result = new AtomicBoolean(true);
    Thread t =
        new Thread(
            () -> {
              result.set(w.hasNext());
              returned.set(true);
            });
    t.start();
    await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).untilFalse(returned);
    w.close();
    await().atMost(Duration.ofSeconds(5)).untilTrue(returned);
    assertThat(result.get()).isFalse();
  }

  @Test
  void aRealInformerAndItsListerSeeTheUnion() throws Exception {
    ApiClient client = new ApiClient();
    client.setReadTimeout(0);
    ExecutorService exec = Executors.newCachedThreadPool();
    DirectSharedInformerFactory factory =
        new DirectSharedInformerFactory(client, exec, store, feed, Set.of(V1Pod.class), Set.of());
    api.items.add(persisted("api-1", "5"));
    ephemeral("eph-1", 1);
    SharedIndexInformer<V1Pod> informer = factory.sharedIndexInformerFor(api, V1Pod.class, 0L);
    assertThat(factory.sharedIndexInformerFor(api, V1Pod.class, 0L)).isSameAs(informer);
    List<String> events = new CopyOnWriteArrayList<>();
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod obj) {
            events.add("add " + obj.getMetadata().getName());
          }

          @Override
          public void onUpdate(V1Pod oldObj, V1Pod newObj) {
            events.add(
                "update "
                    + newObj.getMetadata().getName()
                    + "@"
                    + newObj.getMetadata().getResourceVersion());
          }

          @Override
          public void onDelete(V1Pod obj, boolean unknown) {
            events.add("delete " + obj.getMetadata().getName());
          }
        });
    try {
      factory.startAllRegisteredInformers();
      await().atMost(Duration.ofSeconds(10)).until(informer::hasSynced);
      Lister<V1Pod> lister = new Lister<>(informer.getIndexer());
      assertThat(lister.list())
          .extracting(p -> p.getMetadata().getName())
          .containsExactlyInAnyOrder("api-1", "eph-1");

      ephemeral("eph-2", 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("add eph-2"));
      api.watchEvents.add(new Watch.Response<>("ADDED", persisted("eph-2", "20")));
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("update eph-2@20"));
      store.remove(POD, "default/eph-1", RemovalReason.RETRACTED);
      await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("delete eph-1"));
      assertThat(
              new Lister<>(informer.getIndexer())
                  .namespace("default")
                  .get("eph-2")
                  .getMetadata()
                  .getResourceVersion())
          .isEqualTo("20");
      assertThat(lister.list())
          .extracting(p -> p.getMetadata().getName())
          .containsExactlyInAnyOrder("api-1", "eph-2");
    } finally {
      factory.stopAllRegisteredInformers(true);
      exec.shutdownNow();
    }
  }

  @Test
  void feedOnlyModeAddsNoEphemeralObjects() throws Exception {
    ephemeral("x", 1);
    api.items.add(persisted("y", "3"));
    UnionListerWatcher<V1Pod, V1PodList> lw =
        new UnionListerWatcher<>(V1Pod.class, api, null, feed);
    assertThat(lw.list(new CallGeneratorParams(false, null, null)).getItems())
        .extracting(p -> p.getMetadata().getName())
        .containsExactly("y");
    assertThat(fed).containsExactly("persisted y");
  }

  @Test
  void anInformerThatFallsTooFarBehindIsToldToRelistAndTheListShowsTheCurrentState()
      throws Exception {
    UnionListerWatcher<V1Pod, V1PodList> lw =
        new UnionListerWatcher<>(V1Pod.class, api, store, feed, null, 10);
    lw.list(new CallGeneratorParams(false, null, null));
    io.kubernetes.client.util.Watchable<V1Pod> w =
        lw.watch(new CallGeneratorParams(true, null, null));
    for (int i = 0; i < 25; i++) {
      ephemeral("p" + i, i + 1); // nobody reads the watch meanwhile
    }
    assertThat(lw.overflows()).isEqualTo(1);
    assertThat(w.hasNext()).isTrue();
    io.kubernetes.client.util.Watch.Response<V1Pod> first = w.next();
    assertThat(first.type).isEqualTo("ERROR");
    assertThat(first.status.getCode()).as("410 Gone: the reflector relists").isEqualTo(410);
    w.close();
    V1PodList relisted = lw.list(new CallGeneratorParams(false, "", null));
    assertThat(relisted.getItems()).hasSize(25);
  }
}
