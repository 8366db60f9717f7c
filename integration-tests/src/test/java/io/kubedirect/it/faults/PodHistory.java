package io.kubedirect.it.faults;

import io.kubedirect.examples.faas.common.Pods;
import io.kubernetes.client.informer.ResourceEventHandler;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Every pod event of one namespace as a plain API-Server informer sees it (what kubectl would see),
 * from before the burst to the end of the run, with the time it arrived; the run's counters are
 * computed from it.
 */
final class PodHistory implements AutoCloseable {

  enum Type {
    ADDED,
    MODIFIED,
    DELETED
  }

  /**
   * One observation. {@code rv} is the object's resourceVersion as a number (-1 if not numeric).
   */
  record Event(
      long nanos,
      Type type,
      String name,
      String uid,
      long rv,
      String ownerUid,
      String node,
      String ip,
      boolean ready,
      boolean terminating) {}

  private final SharedInformerFactory factory;
  private final SharedIndexInformer<V1Pod> informer;
  private final List<Event> events = new ArrayList<>();
  private volatile Consumer<Event> listener = e -> {};

  PodHistory(ApiClient api, String namespace) {
    CoreV1Api core = new CoreV1Api(api);
    this.factory = new SharedInformerFactory(api);
    this.informer =
        factory.sharedIndexInformerFor(
            p ->
                core.listNamespacedPod(namespace)
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
            record(Type.ADDED, pod);
          }

          @Override
          public void onUpdate(V1Pod oldPod, V1Pod newPod) {
            record(Type.MODIFIED, newPod);
          }

          @Override
          public void onDelete(V1Pod pod, boolean unknown) {
            record(Type.DELETED, pod);
          }
        });
  }

  void start() {
    factory.startAllRegisteredInformers();
  }

  boolean hasSynced() {
    return informer.hasSynced();
  }

  /** Called (on the informer's thread) for every event after it is recorded. */
  void onEvent(Consumer<Event> l) {
    this.listener = l;
  }

  private void record(Type type, V1Pod pod) {
    Event e =
        new Event(
            System.nanoTime(),
            type,
            pod.getMetadata().getName(),
            pod.getMetadata().getUid(),
            rv(pod.getMetadata().getResourceVersion()),
            Pods.controllerOf(pod).map(r -> r.getUid()).orElse(null),
            Pods.nodeName(pod),
            pod.getStatus() == null ? null : pod.getStatus().getPodIP(),
            Pods.isReady(pod),
            pod.getMetadata().getDeletionTimestamp() != null);
    synchronized (events) {
      events.add(e);
    }
    listener.accept(e);
  }

  static long rv(String rv) {
    try {
      return rv == null ? -1 : Long.parseLong(rv);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  List<Event> events() {
    synchronized (events) {
      return List.copyOf(events);
    }
  }

  /** The pods the informer shows now. */
  List<V1Pod> live() {
    return informer.getIndexer().list();
  }

  /** Names of every pod ever persisted in the namespace. */
  Set<String> everPersisted() {
    Set<String> names = new HashSet<>();
    events().forEach(e -> names.add(e.name()));
    return names;
  }

  /**
   * Names that were persisted again after their deletion was observed (or whose uid changed while
   * shown): resurrections. The example producer names pods with a 10-character random suffix and
   * never reuses a name it knows, so a name that comes back is an old object written again.
   */
  Set<String> resurrected() {
    Map<String, String> liveUid = new HashMap<>();
    Set<String> deleted = new HashSet<>();
    Set<String> result = new HashSet<>();
    for (Event e : events()) {
      switch (e.type()) {
        case DELETED -> {
          liveUid.remove(e.name());
          deleted.add(e.name());
        }
        default -> {
          String before = liveUid.put(e.name(), e.uid());
          if (deleted.contains(e.name()) && before == null) {
            result.add(e.name());
          } else if (before != null && !before.equals(e.uid())) {
            result.add(e.name());
          }
        }
      }
    }
    return result;
  }

  /**
   * What the informer showed of {@code name}, in order, for a failure message: "ADDED rv=741
   * uid=…3f2a node=- | MODIFIED rv=760 uid=…3f2a node=n1 terminating | DELETED …".
   */
  String story(String name) {
    StringBuilder sb = new StringBuilder();
    for (Event e : events()) {
      if (!e.name().equals(name)) {
        continue;
      }
      if (!sb.isEmpty()) {
        sb.append(" | ");
      }
      String uid = e.uid() == null ? "-" : e.uid().substring(Math.max(0, e.uid().length() - 4));
      sb.append(e.type())
          .append(" rv=")
          .append(e.rv())
          .append(" uid=..")
          .append(uid)
          .append(" node=")
          .append(e.node() == null ? "-" : e.node())
          .append(e.terminating() ? " terminating" : "");
    }
    return sb.toString();
  }

  /**
   * IPs that two live pods held at the same time (a pod IP counts from the event that shows it
   * until the pod's deletion or a change of its IP).
   */
  Set<String> duplicateIps() {
    Map<String, String> ipOf = new HashMap<>();
    Map<String, String> holder = new HashMap<>();
    Set<String> dups = new HashSet<>();
    for (Event e : events()) {
      String old = ipOf.get(e.name());
      if (old != null && (e.type() == Type.DELETED || !old.equals(e.ip()))) {
        ipOf.remove(e.name());
        if (e.name().equals(holder.get(old))) {
          holder.remove(old);
        }
      }
      if (e.type() != Type.DELETED && e.ip() != null && !e.ip().isEmpty()) {
        ipOf.put(e.name(), e.ip());
        String other = holder.putIfAbsent(e.ip(), e.name());
        if (other != null && !other.equals(e.name())) {
          dups.add(e.ip());
        }
      }
    }
    return dups;
  }

  /**
   * Names whose first observation carries a resourceVersion above {@code revision}: created after
   * it.
   */
  Set<String> firstPersistedAfter(long revision) {
    Map<String, Long> first = new HashMap<>();
    for (Event e : events()) {
      if (e.type() != Type.DELETED) {
        first.putIfAbsent(e.name() + "/" + e.uid(), e.rv());
      }
    }
    Set<String> names = new HashSet<>();
    first.forEach(
        (k, rv) -> {
          if (rv > revision) {
            names.add(k.substring(0, k.indexOf('/')));
          }
        });
    return names;
  }

  @Override
  public void close() {
    factory.stopAllRegisteredInformers();
  }
}
