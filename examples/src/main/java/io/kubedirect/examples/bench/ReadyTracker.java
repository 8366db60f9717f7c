package io.kubedirect.examples.bench;

import io.kubedirect.examples.faas.common.Pods;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * A plain client-java informer on the API Server (the observer kubectl or any other tool would be)
 * that records when each pod of one function was first seen Ready.
 */
public final class ReadyTracker implements AutoCloseable {

  private final SharedInformerFactory factory;
  private final SharedIndexInformer<V1Pod> informer;
  private final Map<String, Long> readyAt = new ConcurrentHashMap<>();
  private final Object lock = new Object();

  /** Watches pods in {@code namespace} matching {@code labelSelector}; call {@link #start()}. */
  public ReadyTracker(ApiClient apiClient, String namespace, String labelSelector) {
    CoreV1Api api = new CoreV1Api(apiClient);
    this.factory = new SharedInformerFactory(apiClient);
    this.informer =
        factory.sharedIndexInformerFor(
            p ->
                api.listNamespacedPod(namespace)
                    .labelSelector(labelSelector)
                    .resourceVersion(p.resourceVersion)
                    .watch(p.watch)
                    .timeoutSeconds(p.timeoutSeconds)
                    .buildCall(null),
            V1Pod.class,
            V1PodList.class);
    informer.addEventHandler(
        new ResourceEventHandler<>() {
          @Override
          public void onAdd(V1Pod pod) {
            observe(pod);
          }

          @Override
          public void onUpdate(V1Pod oldPod, V1Pod newPod) {
            observe(newPod);
          }

          @Override
          public void onDelete(V1Pod pod, boolean unknown) {
            synchronized (lock) {
              lock.notifyAll();
            }
          }
        });
  }

  private void observe(V1Pod pod) {
    if (Pods.isActive(pod) && Pods.isReady(pod)) {
      long now = System.nanoTime();
      if (readyAt.putIfAbsent(pod.getMetadata().getName(), now) == null) {
        synchronized (lock) {
          lock.notifyAll();
        }
      }
    }
  }

  /** Starts the informer and waits until it has synced. @throws IllegalStateException on timeout */
  public ReadyTracker start(Duration timeout) throws InterruptedException {
    factory.startAllRegisteredInformers();
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (!informer.hasSynced()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("pod informer did not sync within " + timeout);
        }
        lock.wait(Math.max(1, Math.min(TimeUnit.NANOSECONDS.toMillis(left), 50)));
      }
    }
    return this;
  }

  /** Forgets all ready times recorded so far (call right before a burst). */
  public void reset() {
    readyAt.clear();
  }

  /**
   * Blocks until at least {@code count} pods were seen Ready (since the last {@link #reset()}).
   *
   * @return true if reached, false on timeout
   */
  public boolean awaitReady(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (readyAt.size() < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
      }
    }
    return true;
  }

  /** Ready times (System.nanoTime) by pod name. */
  public Map<String, Long> readyTimes() {
    return Map.copyOf(readyAt);
  }

  /** The pods the informer currently shows. */
  public List<V1Pod> pods() {
    return informer.getIndexer().list();
  }

  /** Stops the informer. */
  @Override
  public void close() {
    factory.stopAllRegisteredInformers();
  }
}
