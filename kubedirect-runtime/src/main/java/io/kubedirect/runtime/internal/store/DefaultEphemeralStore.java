package io.kubedirect.runtime.internal.store;

import io.kubernetes.client.common.KubernetesObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A map-backed {@link EphemeralStore}: one hash map per kind, guarded by one lock. */
public final class DefaultEphemeralStore implements EphemeralStore {

  private static final Logger log = LoggerFactory.getLogger(DefaultEphemeralStore.class);

  private final Map<String, Map<String, EphemeralEntry>> byKind = new HashMap<>();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private int size;

  @Override
  public synchronized Optional<EphemeralEntry> get(String kind, String key) {
    Map<String, EphemeralEntry> m = byKind.get(kind);
    return m == null ? Optional.empty() : Optional.ofNullable(m.get(key));
  }

  @Override
  public synchronized List<KubernetesObject> list(String kind) {
    Map<String, EphemeralEntry> m = byKind.get(kind);
    List<KubernetesObject> out = new ArrayList<>(m == null ? 0 : m.size());
    if (m != null) {
      m.values().forEach(e -> out.add(e.object()));
    }
    return out;
  }

  @Override
  public synchronized List<EphemeralEntry> entries(String kind) {
    Map<String, EphemeralEntry> m = byKind.get(kind);
    return m == null ? List.of() : new ArrayList<>(m.values());
  }

  @Override
  public synchronized List<EphemeralEntry> heldFrom(String source) {
    List<EphemeralEntry> out = new ArrayList<>();
    for (Map<String, EphemeralEntry> m : byKind.values()) {
      for (EphemeralEntry e : m.values()) {
        if (e.source().equals(source)) {
          out.add(e);
        }
      }
    }
    return out;
  }

  @Override
  public synchronized int size() {
    return size;
  }

  @Override
  public void addListener(Listener listener) {
    listeners.add(listener);
  }

  @Override
  public void removeListener(Listener listener) {
    listeners.remove(listener);
  }

  @Override
  public synchronized boolean upsert(EphemeralEntry entry) {
    Map<String, EphemeralEntry> m = byKind.computeIfAbsent(entry.kind(), k -> new HashMap<>());
    EphemeralEntry previous = m.get(entry.key());
    if (previous != null
        && previous.source().equals(entry.source())
        && previous.version() >= entry.version()) {
      return false;
    }
    m.put(entry.key(), entry);
    if (previous == null) {
      size++;
    }
    for (Listener l : listeners) {
      notifySafely(() -> l.onUpsert(entry, previous));
    }
    return true;
  }

  @Override
  public synchronized boolean replaceLocal(String kind, String key, KubernetesObject object) {
    Map<String, EphemeralEntry> m = byKind.get(kind);
    EphemeralEntry previous = m == null ? null : m.get(key);
    if (previous == null) {
      return false;
    }
    EphemeralEntry next =
        new EphemeralEntry(
            previous.source(),
            kind,
            key,
            previous.version(),
            object,
            previous.baseResourceVersion());
    m.put(key, next);
    for (Listener l : listeners) {
      notifySafely(() -> l.onUpsert(next, previous));
    }
    return true;
  }

  @Override
  public synchronized Optional<EphemeralEntry> removeFrom(
      String source, String kind, String key, long version, RemovalReason reason) {
    Map<String, EphemeralEntry> m = byKind.get(kind);
    EphemeralEntry e = m == null ? null : m.get(key);
    if (e == null || !e.source().equals(source) || e.version() > version) {
      return Optional.empty();
    }
    return Optional.of(doRemove(m, e, reason));
  }

  @Override
  public synchronized Optional<EphemeralEntry> remove(
      String kind, String key, RemovalReason reason) {
    Map<String, EphemeralEntry> m = byKind.get(kind);
    EphemeralEntry e = m == null ? null : m.get(key);
    return e == null ? Optional.empty() : Optional.of(doRemove(m, e, reason));
  }

  @Override
  public synchronized void clear() {
    byKind.clear();
    size = 0;
  }

  private EphemeralEntry doRemove(
      Map<String, EphemeralEntry> m, EphemeralEntry e, RemovalReason reason) {
    m.remove(e.key());
    size--;
    for (Listener l : listeners) {
      notifySafely(() -> l.onRemove(e, reason));
    }
    return e;
  }

  private static void notifySafely(Runnable r) {
    try {
      r.run();
    } catch (RuntimeException ex) {
      log.warn("ephemeral store listener failed", ex);
    }
  }
}
