package io.kubedirect.examples.faas.common;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link StageTimes.Recorder} that keeps what the stages of this JVM reported: per stage and
 * object ({@code namespace/name}) the times ({@link System#nanoTime()}) it started to reconcile the
 * object, the first {@value #MAX_TIMES} of them; and per function the changes of the scale the
 * autoscaler wants, the first {@value #MAX_TIMES}. A benchmark reads it in-JVM ({@link
 * #snapshot()}) or, from a stage process, as JSON ({@link Snapshot#toJson()}, served on {@code
 * /stage-times}).
 */
public final class StageTimeLog implements StageTimes.Recorder {

  /** The most times kept per object (and scale changes per function); later ones are dropped. */
  public static final int MAX_TIMES = 64;

  private final Map<String, Map<String, List<Long>>> handled = new ConcurrentHashMap<>();
  private final Map<String, List<Scale>> scaled = new ConcurrentHashMap<>();

  @Override
  public void handled(String stage, String namespace, String name, long nanoTime) {
    List<Long> times =
        handled
            .computeIfAbsent(stage, s -> new ConcurrentHashMap<>())
            .computeIfAbsent(
                namespace + "/" + name, k -> Collections.synchronizedList(new ArrayList<>()));
    synchronized (times) {
      if (times.size() < MAX_TIMES) {
        times.add(nanoTime);
      }
    }
  }

  @Override
  public void scaled(String namespace, String function, int replicas, long nanoTime) {
    List<Scale> changes =
        scaled.computeIfAbsent(
            namespace + "/" + function, k -> Collections.synchronizedList(new ArrayList<>()));
    synchronized (changes) {
      boolean changed = changes.isEmpty() || changes.get(changes.size() - 1).replicas() != replicas;
      if (changed && changes.size() < MAX_TIMES) {
        changes.add(new Scale(nanoTime, replicas));
      }
    }
  }

  /** Forgets everything recorded so far. */
  public void clear() {
    handled.clear();
    scaled.clear();
  }

  /** A copy of what was recorded, stamped with the current {@link System#nanoTime()}. */
  public Snapshot snapshot() {
    Map<String, Map<String, List<Long>>> h = new TreeMap<>();
    handled.forEach(
        (stage, objects) -> {
          Map<String, List<Long>> copy = new TreeMap<>();
          objects.forEach(
              (k, times) -> {
                synchronized (times) {
                  copy.put(k, List.copyOf(times));
                }
              });
          h.put(stage, copy);
        });
    Map<String, List<Scale>> s = new TreeMap<>();
    scaled.forEach(
        (k, changes) -> {
          synchronized (changes) {
            s.put(k, List.copyOf(changes));
          }
        });
    return new Snapshot(System.nanoTime(), h, s);
  }

  /**
   * The autoscaler wanted {@code replicas} from {@code nanoTime} on.
   *
   * @param nanoTime when ({@link System#nanoTime()} of the recording JVM)
   * @param replicas the scale it wanted
   */
  public record Scale(long nanoTime, int replicas) {}

  /**
   * What a {@link StageTimeLog} held at {@code nanoTime}.
   *
   * @param nanoTime {@link System#nanoTime()} of the recording JVM when the snapshot was taken
   * @param handled per stage, per object {@code namespace/name}, the reconcile start times
   * @param scaled per function {@code namespace/name}, the changes of the wanted scale in order
   */
  public record Snapshot(
      long nanoTime,
      Map<String, Map<String, List<Long>>> handled,
      Map<String, List<Scale>> scaled) {

    private static final Gson GSON = new Gson();

    /** Copies the maps; null maps are empty. */
    public Snapshot {
      handled = handled == null ? Map.of() : Map.copyOf(handled);
      scaled = scaled == null ? Map.of() : Map.copyOf(scaled);
    }

    /** An empty snapshot taken at {@code nanoTime}. */
    public static Snapshot empty(long nanoTime) {
      return new Snapshot(nanoTime, Map.of(), Map.of());
    }

    /** As JSON: {@code {"nanoTime":..,"handled":{stage:{object:[t,..]}},"scaled":{fn:[..]}}}. */
    public String toJson() {
      return GSON.toJson(this);
    }

    /**
     * Reads {@link #toJson()}'s output.
     *
     * @throws IllegalArgumentException if {@code json} is not such a document
     */
    public static Snapshot fromJson(String json) {
      try {
        Snapshot s = GSON.fromJson(json, Snapshot.class);
        if (s == null) {
          throw new IllegalArgumentException("empty stage-times document");
        }
        return new Snapshot(s.nanoTime(), s.handled(), s.scaled());
      } catch (JsonParseException e) {
        throw new IllegalArgumentException("not a stage-times document: " + e.getMessage(), e);
      }
    }

    /** Every time moved by {@code offset} nanoseconds (to another JVM's clock). */
    public Snapshot shifted(long offset) {
      Map<String, Map<String, List<Long>>> h = new TreeMap<>();
      handled.forEach(
          (stage, objects) -> {
            Map<String, List<Long>> copy = new TreeMap<>();
            objects.forEach(
                (k, times) -> copy.put(k, times.stream().map(t -> t + offset).toList()));
            h.put(stage, copy);
          });
      Map<String, List<Scale>> s = new TreeMap<>();
      scaled.forEach(
          (k, changes) ->
              s.put(
                  k,
                  changes.stream()
                      .map(c -> new Scale(c.nanoTime() + offset, c.replicas()))
                      .toList()));
      return new Snapshot(nanoTime + offset, h, s);
    }

    /**
     * The snapshots of several processes in one: per stage the union of their objects (a stage runs
     * in one process, so no object's times are merged); the latest {@link #nanoTime}.
     */
    public static Snapshot merge(List<Snapshot> parts) {
      Map<String, Map<String, List<Long>>> h = new TreeMap<>();
      Map<String, List<Scale>> s = new TreeMap<>();
      long latest = Long.MIN_VALUE;
      for (Snapshot p : parts) {
        latest = Math.max(latest, p.nanoTime());
        p.handled()
            .forEach(
                (stage, objects) -> h.computeIfAbsent(stage, k -> new TreeMap<>()).putAll(objects));
        s.putAll(p.scaled());
      }
      return new Snapshot(parts.isEmpty() ? 0 : latest, h, s);
    }

    /**
     * When {@code stage} first started to reconcile an object of function {@code
     * namespace/function} at or after {@code notBefore}, or -1: the function's Deployment is named
     * as the function, its ReplicaSets {@code <function>-<hash>}, its pods {@code
     * <function>-<hash>-<suffix>}.
     */
    public long first(String stage, String namespace, String function, long notBefore) {
      String exact = namespace + "/" + function;
      String prefix = exact + "-";
      long best = -1;
      for (Map.Entry<String, List<Long>> e : handled.getOrDefault(stage, Map.of()).entrySet()) {
        String k = e.getKey();
        if (!k.equals(exact) && !k.startsWith(prefix)) {
          continue;
        }
        for (long t : e.getValue()) {
          if (t >= notBefore && (best < 0 || t < best)) {
            best = t;
          }
        }
      }
      return best;
    }

    /**
     * When the autoscaler first wanted at least {@code replicas} pods of {@code namespace/function}
     * at or after {@code notBefore}, or -1. A scale wanted since before {@code notBefore} counts
     * from {@code notBefore}.
     */
    public long scaledTo(String namespace, String function, int replicas, long notBefore) {
      List<Scale> changes = scaled.getOrDefault(namespace + "/" + function, List.of());
      Scale before = null;
      for (Scale c : changes) {
        if (c.nanoTime() < notBefore) {
          before = c;
          continue;
        }
        if (before != null && before.replicas() >= replicas) {
          return notBefore;
        }
        before = null;
        if (c.replicas() >= replicas) {
          return c.nanoTime();
        }
      }
      return before != null && before.replicas() >= replicas ? notBefore : -1;
    }
  }
}
