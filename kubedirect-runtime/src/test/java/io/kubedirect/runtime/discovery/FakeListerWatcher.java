package io.kubedirect.runtime.discovery;

import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.BiFunction;

/**
 * An in-memory API Server for one resource type, honouring the informer's ListerWatcher contract:
 * list() returns the current objects with a list resourceVersion; watch(rv) replays the events
 * after rv and then blocks in hasNext() until the next event or close().
 */
final class FakeListerWatcher<T extends KubernetesObject, L extends KubernetesListObject>
    implements ListerWatcher<T, L> {

  private record Event<T>(long rv, String type, T object) {}

  private final BiFunction<List<T>, V1ListMeta, L> listFactory;
  private final Map<String, T> objects = new LinkedHashMap<>();
  private final List<Event<T>> events = new ArrayList<>();
  private long rv = 1;
  private int watches;

  FakeListerWatcher(BiFunction<List<T>, V1ListMeta, L> listFactory) {
    this.listFactory = listFactory;
  }

  private static String key(KubernetesObject o) {
    return o.getMetadata().getNamespace() + "/" + o.getMetadata().getName();
  }

  synchronized void apply(T object) {
    rv++;
    object.getMetadata().setResourceVersion(Long.toString(rv));
    String type = objects.put(key(object), object) == null ? "ADDED" : "MODIFIED";
    events.add(new Event<>(rv, type, object));
    notifyAll();
  }

  synchronized void delete(T object) {
    T existing = objects.remove(key(object));
    if (existing != null) {
      rv++;
      events.add(new Event<>(rv, "DELETED", existing));
      notifyAll();
    }
  }

  synchronized int watchCalls() {
    return watches;
  }

  @Override
  public synchronized L list(CallGeneratorParams params) {
    return listFactory.apply(
        new ArrayList<>(objects.values()), new V1ListMeta().resourceVersion(Long.toString(rv)));
  }

  @Override
  public synchronized Watchable<T> watch(CallGeneratorParams params) {
    watches++;
    long from =
        params.resourceVersion == null || params.resourceVersion.isEmpty()
            ? 0
            : Long.parseLong(params.resourceVersion);
    int cursor = 0;
    while (cursor < events.size() && events.get(cursor).rv() <= from) {
      cursor++;
    }
    return new FakeWatch(cursor);
  }

  private final class FakeWatch implements Watchable<T> {
    private int cursor;
    private boolean closed;

    FakeWatch(int cursor) {
      this.cursor = cursor;
    }

    @Override
    public boolean hasNext() {
      synchronized (FakeListerWatcher.this) {
        while (!closed && cursor >= events.size()) {
          try {
            FakeListerWatcher.this.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
        return !closed;
      }
    }

    @Override
    public Watch.Response<T> next() {
      synchronized (FakeListerWatcher.this) {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Event<T> e = events.get(cursor++);
        return new Watch.Response<>(e.type(), e.object());
      }
    }

    @Override
    public Iterator<Watch.Response<T>> iterator() {
      return this;
    }

    @Override
    public void close() {
      synchronized (FakeListerWatcher.this) {
        closed = true;
        FakeListerWatcher.this.notifyAll();
      }
    }
  }
}
