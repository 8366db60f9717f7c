package io.kubedirect.runtime.internal.engine;

import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubedirect.transport.TaskScheduler;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Binding;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory persisted store for tests: resourceVersions, preconditions, AlreadyExists, scripted
 * failures, and a feed that reports changes asynchronously on a scheduler (like an informer would).
 */
public final class FakePersistedStore implements PersistedObjectApi, PersistedObjectFeed {

  /** Operations that can be scripted to fail. */
  public enum Op {
    CREATE,
    UPDATE,
    UPDATE_STATUS,
    DELETE,
    BIND
  }

  private final TaskScheduler scheduler;
  private final Map<String, KubernetesObject> objects = new HashMap<>();
  private final Map<String, List<Listener>> listeners = new HashMap<>();
  private final Map<Op, Deque<WriteResult.Status>> script = new EnumMap<>(Op.class);
  private final Map<Op, Integer> calls = new EnumMap<>(Op.class);
  private final AtomicLong rv = new AtomicLong(100);
  private final AtomicLong observed = new AtomicLong(100);
  private int ambiguousCreates;
  private boolean deleteOnAlreadyExists;
  private boolean feedPaused;
  private final List<Runnable> heldEvents = new ArrayList<>();
  private final ArrayDeque<Runnable> feedQueue = new ArrayDeque<>();

  /** Every successful write, in order: "OP kind key". */
  public final List<String> log = new CopyOnWriteArrayList<>();

  /** Every recorded Event: "type reason involvedKind/involvedName: message". */
  public final List<String> events = new CopyOnWriteArrayList<>();

  private java.util.function.Predicate<KubernetesObject> rejectCreate = o -> false;

  /** Creates a store whose feed runs on {@code scheduler}. */
  public FakePersistedStore(TaskScheduler scheduler) {
    this.scheduler = scheduler;
  }

  /** The next {@code n} calls of {@code op} answer {@code status}. */
  public synchronized FakePersistedStore failNext(Op op, WriteResult.Status status, int n) {
    Deque<WriteResult.Status> q = script.computeIfAbsent(op, k -> new ArrayDeque<>());
    for (int i = 0; i < n; i++) {
      q.add(status);
    }
    return this;
  }

  /**
   * Creates of objects matching {@code rule} are rejected for good (FAILED, like a 403 at
   * admission).
   */
  public synchronized FakePersistedStore rejectCreates(
      java.util.function.Predicate<KubernetesObject> rule) {
    rejectCreate = rule;
    return this;
  }

  @Override
  public void recordEvent(
      String namespace,
      io.kubernetes.client.openapi.models.V1ObjectReference involved,
      String type,
      String reason,
      String message) {
    events.add(
        type + " " + reason + " " + involved.getKind() + "/" + involved.getName() + ": " + message);
  }

  /**
   * The next {@code n} successful creates commit but answer RETRYABLE_FAILURE (a timeout after
   * commit).
   */
  public synchronized FakePersistedStore commitButFailNextCreates(int n) {
    ambiguousCreates += n;
    return this;
  }

  /**
   * The next create that finds its name taken answers ALREADY_EXISTS, and the stored copy is then
   * deleted at once (e.g. by the garbage collector), before the writer can read it.
   */
  public synchronized FakePersistedStore deleteAfterNextAlreadyExists() {
    deleteOnAlreadyExists = true;
    return this;
  }

  /** Holds back (true) or releases (false) the feed's events, as a lagging informer would. */
  public void pauseFeed(boolean paused) {
    List<Runnable> release;
    synchronized (this) {
      feedPaused = paused;
      if (paused) {
        return;
      }
      release = new ArrayList<>(heldEvents);
      heldEvents.clear();
    }
    synchronized (this) {
      release.forEach(this::enqueueEvent);
    }
  }

  /**
   * Discards the events a paused feed holds and resumes it past them, as an informer that relists
   * after a watch gap shows nothing of an object created and deleted inside the gap.
   */
  public synchronized void loseHeldEvents() {
    heldEvents.clear();
    feedPaused = false;
    observed.accumulateAndGet(rv.get(), Math::max);
  }

  @Override
  public java.util.OptionalLong currentRevision(String kind) {
    return java.util.OptionalLong.of(rv.get());
  }

  @Override
  public java.util.OptionalLong observedRevision(String kind) {
    return java.util.OptionalLong.of(observed.get());
  }

  /** How many times {@code op} was called. */
  public synchronized int calls(Op op) {
    return calls.getOrDefault(op, 0);
  }

  /** The stored object. */
  public synchronized Optional<KubernetesObject> stored(String kind, String key) {
    return Optional.ofNullable(objects.get(kind + "|" + key));
  }

  /** The stored objects of a kind. */
  public synchronized List<KubernetesObject> list(String kind) {
    List<KubernetesObject> out = new ArrayList<>();
    objects.forEach(
        (k, v) -> {
          if (k.startsWith(kind + "|")) {
            out.add(v);
          }
        });
    return out;
  }

  /** Writes {@code o} directly (as another client would), with a fresh resourceVersion. */
  public synchronized KubernetesObject put(String kind, KubernetesObject o) {
    KubernetesObject c = ObjectSupport.deepCopy(o);
    c.getMetadata().setResourceVersion(Long.toString(rv.incrementAndGet()));
    objects.put(kind + "|" + ObjectSupport.key(c), c);
    notifyPersisted(kind, c);
    return ObjectSupport.deepCopy(c);
  }

  private WriteResult.Status scripted(Op op) {
    calls.merge(op, 1, Integer::sum);
    Deque<WriteResult.Status> q = script.get(op);
    return q == null ? null : q.poll();
  }

  @Override
  public synchronized WriteResult create(String kind, KubernetesObject object) {
    WriteResult.Status s = scripted(Op.CREATE);
    if (s != null) {
      return WriteResult.of(s, "scripted");
    }
    String id = kind + "|" + ObjectSupport.key(object);
    if (rejectCreate.test(object)) {
      return WriteResult.of(
          WriteResult.Status.FAILED,
          "pods \""
              + object.getMetadata().getName()
              + "\" is forbidden: no PriorityClass with name missing was found");
    }
    if (objects.containsKey(id)) {
      if (deleteOnAlreadyExists) {
        deleteOnAlreadyExists = false;
        KubernetesObject gone = objects.get(id);
        delete(kind, gone.getMetadata().getNamespace(), gone.getMetadata().getName(), null);
      }
      return WriteResult.of(WriteResult.Status.ALREADY_EXISTS, "exists");
    }
    if (object.getMetadata().getResourceVersion() != null) {
      return WriteResult.of(WriteResult.Status.FAILED, "resourceVersion must not be set on create");
    }
    log.add("CREATE " + id);
    KubernetesObject c = ObjectSupport.deepCopy(object);
    c.getMetadata().setGeneration(1L);
    if (c.getMetadata().getUid() == null) {
      c.getMetadata()
          .setUid("uid-" + (rv.get() + 1)); // like the API Server: each created object gets one
    }
    KubernetesObject stored = put(kind, c);
    if (ambiguousCreates > 0) {
      ambiguousCreates--;
      return WriteResult.of(WriteResult.Status.RETRYABLE_FAILURE, "timeout after commit");
    }
    return WriteResult.ok(stored);
  }

  @Override
  public synchronized WriteResult update(String kind, KubernetesObject object) {
    return replace(Op.UPDATE, kind, object);
  }

  @Override
  public synchronized WriteResult updateStatus(String kind, KubernetesObject object) {
    return replace(Op.UPDATE_STATUS, kind, object);
  }

  private WriteResult replace(Op op, String kind, KubernetesObject object) {
    WriteResult.Status s = scripted(op);
    if (s != null) {
      return WriteResult.of(s, "scripted");
    }
    String id = kind + "|" + ObjectSupport.key(object);
    KubernetesObject cur = objects.get(id);
    if (cur == null) {
      return WriteResult.of(WriteResult.Status.NOT_FOUND, "missing");
    }
    String want = object.getMetadata().getResourceVersion();
    if (want != null && !want.equals(cur.getMetadata().getResourceVersion())) {
      return WriteResult.of(
          WriteResult.Status.CONFLICT,
          "rv " + want + " != " + cur.getMetadata().getResourceVersion());
    }
    if (op == Op.UPDATE
        && cur instanceof V1Pod was
        && object instanceof V1Pod now
        && !Objects.equals(nodeName(was), nodeName(now))) {
      // Like the API Server: a stored pod's spec is immutable (nodeName is set through
      // pods/binding).
      return WriteResult.of(
          WriteResult.Status.FAILED,
          "Pod \""
              + object.getMetadata().getName()
              + "\" is invalid: spec: Forbidden: pod updates may not change fields other than ...");
    }
    KubernetesObject next =
        op == Op.UPDATE_STATUS ? ObjectSupport.withStatusOf(cur, object) : object;
    if (op == Op.UPDATE) {
      // Like the API Server: a spec write bumps metadata.generation (status writes do not).
      // And, for kinds with a status subresource, ignores the status in the body.
      Long g = cur.getMetadata().getGeneration();
      next =
          ObjectSupport.status(cur) != null || ObjectSupport.status(next) != null
              ? ObjectSupport.withStatusOf(next, cur)
              : ObjectSupport.deepCopy(next);
      next.getMetadata().setGeneration(g == null ? 2L : g + 1);
    }
    log.add(op + " " + id);
    return WriteResult.ok(put(kind, next));
  }

  /**
   * The binding of a pod, as the API Server does it: an unbound pod gets the node, a bound one is a
   * conflict.
   */
  @Override
  public synchronized WriteResult createSubresource(
      String kind, String namespace, String name, String subresource, KubernetesObject body) {
    calls.merge(Op.BIND, 1, Integer::sum);
    KubernetesObject cur = objects.get(kind + "|" + Kinds.key(namespace, name));
    if (!"binding".equals(subresource) || !(body instanceof V1Binding b)) {
      return WriteResult.of(WriteResult.Status.FAILED, "unsupported subresource " + subresource);
    }
    if (cur == null) {
      return WriteResult.of(WriteResult.Status.NOT_FOUND, "missing");
    }
    if (b.getMetadata().getUid() != null
        && !b.getMetadata().getUid().equals(cur.getMetadata().getUid())) {
      return WriteResult.of(WriteResult.Status.CONFLICT, "uid precondition failed");
    }
    V1Pod pod = (V1Pod) ObjectSupport.deepCopy(cur);
    if (nodeName(pod) != null) {
      return WriteResult.of(
          WriteResult.Status.CONFLICT,
          "pod " + name + " is already assigned to node " + nodeName(pod));
    }
    pod.getSpec().setNodeName(b.getTarget().getName());
    log.add("BIND " + kind + "|" + Kinds.key(namespace, name) + " " + b.getTarget().getName());
    put(kind, pod);
    return WriteResult.ok(null);
  }

  private static String nodeName(V1Pod pod) {
    return pod.getSpec() == null ? null : pod.getSpec().getNodeName();
  }

  @Override
  public synchronized WriteResult delete(String kind, String namespace, String name, String uid) {
    WriteResult.Status s = scripted(Op.DELETE);
    if (s != null) {
      return WriteResult.of(s, "scripted");
    }
    KubernetesObject found = objects.get(kind + "|" + Kinds.key(namespace, name));
    if (found != null && uid != null && !uid.equals(found.getMetadata().getUid())) {
      return WriteResult.of(WriteResult.Status.CONFLICT, "uid precondition failed");
    }
    KubernetesObject cur = objects.remove(kind + "|" + Kinds.key(namespace, name));
    if (cur == null) {
      return WriteResult.of(WriteResult.Status.NOT_FOUND, "missing");
    }
    log.add("DELETE " + kind + "|" + Kinds.key(namespace, name));
    List<Listener> ls = List.copyOf(listeners.getOrDefault(kind, List.of()));
    long at = rv.incrementAndGet();
    deliver(
        () -> {
          ls.forEach(l -> l.onDeleted(cur));
          observed.accumulateAndGet(at, Math::max);
        });
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

  private void notifyPersisted(String kind, KubernetesObject stored) {
    List<Listener> ls = List.copyOf(listeners.getOrDefault(kind, List.of()));
    KubernetesObject copy = ObjectSupport.deepCopy(stored);
    long at = Long.parseLong(stored.getMetadata().getResourceVersion());
    deliver(
        () -> {
          ls.forEach(l -> l.onPersisted(copy));
          observed.accumulateAndGet(at, Math::max);
        });
  }

  /** Lock held. */
  private void deliver(Runnable event) {
    if (feedPaused) {
      heldEvents.add(event);
    } else {
      enqueueEvent(event);
    }
  }

  /**
   * Events are delivered FIFO, like a watch: each pump task runs the oldest queued event. Lock
   * held.
   */
  private void enqueueEvent(Runnable event) {
    feedQueue.addLast(event);
    scheduler.execute(
        () -> {
          Runnable next;
          synchronized (this) {
            next = feedQueue.pollFirst();
          }
          if (next != null) {
            next.run();
          }
        });
  }
}
