package io.kubedirect.runtime.internal.informer;

import io.kubernetes.client.informer.ListerWatcher;
import io.kubernetes.client.openapi.models.V1ListMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.util.CallGeneratorParams;
import io.kubernetes.client.util.Watch;
import io.kubernetes.client.util.Watchable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** An API Server stand-in: a fixed list and a watch fed by the test. */
final class FakeApiListerWatcher implements ListerWatcher<V1Pod, V1PodList> {

  final List<V1Pod> items = new CopyOnWriteArrayList<>();
  final BlockingQueue<Watch.Response<V1Pod>> watchEvents = new LinkedBlockingQueue<>();
  final List<String> watchedFrom = new CopyOnWriteArrayList<>();
  volatile String listRv = "10";

  @Override
  public V1PodList list(CallGeneratorParams params) {
    return new V1PodList()
        .metadata(new V1ListMeta().resourceVersion(listRv))
        .items(new ArrayList<>(items));
  }

  @Override
  public Watchable<V1Pod> watch(CallGeneratorParams params) {
    watchedFrom.add(params.resourceVersion);
    return new Watchable<>() {
      volatile boolean closed;
      Watch.Response<V1Pod> next;

      @Override
      public boolean hasNext() {
        while (!closed && next == null) {
          try {
            next = watchEvents.poll(20, TimeUnit.MILLISECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
          }
        }
        return next != null;
      }

      @Override
      public Watch.Response<V1Pod> next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        Watch.Response<V1Pod> r = next;
        next = null;
        return r;
      }

      @Override
      public Iterator<Watch.Response<V1Pod>> iterator() {
        return this;
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }
}
