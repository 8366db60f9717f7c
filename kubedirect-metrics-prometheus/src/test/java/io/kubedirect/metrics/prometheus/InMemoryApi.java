package io.kubedirect.metrics.prometheus;

import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubernetes.client.common.KubernetesObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A minimal persisted store shared by the stages of a test (one "API Server"): resourceVersions,
 * uids, AlreadyExists and NotFound, and a feed that reports each change on one background thread,
 * in order, as a watch would.
 */
final class InMemoryApi implements PersistedObjectApi, PersistedObjectFeed, AutoCloseable {

  private final Map<String, KubernetesObject> objects = new HashMap<>();
  private final Map<String, List<Listener>> listeners = new HashMap<>();
  private final ExecutorService feed =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "in-memory-api-feed");
            t.setDaemon(true);
            return t;
          });
  private long rv = 100;
  private int creates;

  synchronized int creates() {
    return creates;
  }

  synchronized int size(String kind) {
    return (int) objects.keySet().stream().filter(k -> k.startsWith(kind + "|")).count();
  }

  @Override
  public synchronized WriteResult create(String kind, KubernetesObject object) {
    String id = kind + "|" + ObjectSupport.key(object);
    if (objects.containsKey(id)) {
      return WriteResult.of(WriteResult.Status.ALREADY_EXISTS, "exists");
    }
    KubernetesObject c = ObjectSupport.deepCopy(object);
    if (c.getMetadata().getUid() == null) {
      c.getMetadata().setUid("uid-" + (rv + 1));
    }
    c.getMetadata().setGeneration(1L);
    creates++;
    return WriteResult.ok(store(kind, id, c));
  }

  @Override
  public synchronized WriteResult update(String kind, KubernetesObject object) {
    return replace(kind, object);
  }

  @Override
  public synchronized WriteResult updateStatus(String kind, KubernetesObject object) {
    return replace(kind, object);
  }

  private WriteResult replace(String kind, KubernetesObject object) {
    String id = kind + "|" + ObjectSupport.key(object);
    KubernetesObject cur = objects.get(id);
    if (cur == null) {
      return WriteResult.of(WriteResult.Status.NOT_FOUND, "missing");
    }
    String want = object.getMetadata().getResourceVersion();
    if (want != null && !want.equals(cur.getMetadata().getResourceVersion())) {
      return WriteResult.of(WriteResult.Status.CONFLICT, "stale resourceVersion");
    }
    KubernetesObject c = ObjectSupport.deepCopy(object);
    c.getMetadata().setUid(cur.getMetadata().getUid());
    return WriteResult.ok(store(kind, id, c));
  }

  private KubernetesObject store(String kind, String id, KubernetesObject c) {
    c.getMetadata().setResourceVersion(Long.toString(++rv));
    objects.put(id, c);
    KubernetesObject copy = ObjectSupport.deepCopy(c);
    List<Listener> ls = List.copyOf(listeners.getOrDefault(kind, List.of()));
    feed.execute(() -> ls.forEach(l -> l.onPersisted(copy)));
    return ObjectSupport.deepCopy(c);
  }

  @Override
  public synchronized WriteResult delete(String kind, String namespace, String name, String uid) {
    String id = kind + "|" + Kinds.key(namespace, name);
    KubernetesObject cur = objects.get(id);
    if (cur == null) {
      return WriteResult.of(WriteResult.Status.NOT_FOUND, "missing");
    }
    if (uid != null && !uid.equals(cur.getMetadata().getUid())) {
      return WriteResult.of(WriteResult.Status.CONFLICT, "uid precondition failed");
    }
    objects.remove(id);
    rv++;
    List<Listener> ls = List.copyOf(listeners.getOrDefault(kind, List.of()));
    feed.execute(() -> ls.forEach(l -> l.onDeleted(cur)));
    return WriteResult.ok(cur);
  }

  @Override
  public synchronized Optional<KubernetesObject> get(String kind, String namespace, String name) {
    KubernetesObject o = objects.get(kind + "|" + Kinds.key(namespace, name));
    return Optional.ofNullable(o == null ? null : ObjectSupport.deepCopy(o));
  }

  @Override
  public synchronized void addListener(String kind, Listener listener) {
    listeners.computeIfAbsent(kind, k -> new ArrayList<>()).add(listener);
  }

  @Override
  public void close() {
    feed.shutdownNow();
  }
}
