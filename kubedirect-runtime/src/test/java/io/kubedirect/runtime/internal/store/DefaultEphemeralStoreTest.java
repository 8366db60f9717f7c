package io.kubedirect.runtime.internal.store;

import static io.kubedirect.runtime.internal.engine.TestPods.POD;
import static io.kubedirect.runtime.internal.engine.TestPods.pod;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class DefaultEphemeralStoreTest {

  final DefaultEphemeralStore store = new DefaultEphemeralStore();
  final List<String> events = new ArrayList<>();

  {
    store.addListener(
        new EphemeralStore.Listener() {
          @Override
          public void onUpsert(EphemeralEntry entry, EphemeralEntry previous) {
            events.add(
                (previous == null ? "add " : "update ") + entry.key() + "@" + entry.version());
          }

          @Override
          public void onRemove(EphemeralEntry entry, RemovalReason reason) {
            events.add("remove " + entry.key() + " " + reason);
          }
        });
  }

  static EphemeralEntry entry(String source, String name, long version) {
    return new EphemeralEntry(source, POD, "default/" + name, version, pod(name, null), null);
  }

  @Test
  void olderAndEqualVersionsFromTheSameSourceAreIgnored() {
    assertThat(store.upsert(entry("rs", "a", 5))).isTrue();
    assertThat(store.upsert(entry("rs", "a", 5))).isFalse();
    assertThat(store.upsert(entry("rs", "a", 4))).isFalse();
    assertThat(store.upsert(entry("rs", "a", 6))).isTrue();
    assertThat(store.size()).isEqualTo(1);
    assertThat(store.get(POD, "default/a").orElseThrow().version()).isEqualTo(6);
    assertThat(events).containsExactly("add default/a@5", "update default/a@6");
  }

  @Test
  void removeFromChecksSourceAndVersion() {
    store.upsert(entry("rs", "a", 5));
    assertThat(store.removeFrom("other", POD, "default/a", 9, RemovalReason.DELETED)).isEmpty();
    assertThat(store.removeFrom("rs", POD, "default/a", 4, RemovalReason.DELETED)).isEmpty();
    assertThat(store.removeFrom("rs", POD, "default/a", 5, RemovalReason.DELETED)).isPresent();
    assertThat(store.size()).isZero();
    assertThat(events).last().isEqualTo("remove default/a DELETED");
  }

  @Test
  void heldFromListsPerSourceAndReplaceLocalKeepsTheVersion() {
    store.upsert(entry("rs", "a", 1));
    store.upsert(entry("rs", "b", 2));
    store.upsert(entry("deploy", "c", 3));
    assertThat(store.heldFrom("rs"))
        .extracting(EphemeralEntry::key)
        .containsExactlyInAnyOrder("default/a", "default/b");
    assertThat(store.replaceLocal(POD, "default/a", pod("a", "node-1"))).isTrue();
    assertThat(store.replaceLocal(POD, "default/zz", pod("zz", "node-1"))).isFalse();
    EphemeralEntry a = store.get(POD, "default/a").orElseThrow();
    assertThat(a.version()).isEqualTo(1);
    assertThat(((io.kubernetes.client.openapi.models.V1Pod) a.object()).getSpec().getNodeName())
        .isEqualTo("node-1");
    assertThat(store.list(POD)).hasSize(3);
    store.clear();
    assertThat(store.size()).isZero();
    assertThat(store.list(POD)).isEmpty();
  }

  @Test
  void aThrowingListenerDoesNotBreakTheStore() {
    store.addListener(
        new EphemeralStore.Listener() {
          @Override
          public void onUpsert(EphemeralEntry entry, EphemeralEntry previous) {
            throw new IllegalStateException("boom");
          }

          @Override
          public void onRemove(EphemeralEntry entry, RemovalReason reason) {}
        });
    assertThat(store.upsert(entry("rs", "a", 1))).isTrue();
    assertThat(store.size()).isEqualTo(1);
  }
}
