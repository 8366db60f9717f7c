package io.kubedirect.runtime.internal.cache;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * The runtime's one bounded map: least recently used entries are evicted over a bound on the entry
 * count and, optionally, on their total weight (e.g. bytes). Not thread-safe (callers guard it with
 * their own lock), and deterministic: the same operations evict the same entries, which the
 * lock-step codec tables on both ends of a link and the deterministic simulation rely on. Where
 * neither matters and concurrent access does, the runtime uses Caffeine instead (tombstones, the
 * object interner).
 */
public final class LruCache<K, V> {

  private final LinkedHashMap<K, V> map = new LinkedHashMap<>(16, 0.75f, true);
  private final int maxEntries;
  private final long maxWeight;
  private final ToLongFunction<V> weigher;
  private long weight;
  private long evictions;

  private LruCache(int maxEntries, long maxWeight, ToLongFunction<V> weigher) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries must be at least 1, got " + maxEntries);
    }
    if (maxWeight < 1) {
      throw new IllegalArgumentException("maxWeight must be at least 1, got " + maxWeight);
    }
    this.maxEntries = maxEntries;
    this.maxWeight = maxWeight;
    this.weigher = weigher;
  }

  /** A map of at most {@code maxEntries} entries. */
  public static <K, V> LruCache<K, V> ofEntries(int maxEntries) {
    return new LruCache<>(maxEntries, Long.MAX_VALUE, v -> 0L);
  }

  /**
   * A map of at most {@code maxEntries} entries whose weights add up to at most {@code maxWeight}.
   */
  public static <K, V> LruCache<K, V> weighted(
      int maxEntries, long maxWeight, ToLongFunction<V> weigher) {
    return new LruCache<>(maxEntries, maxWeight, weigher);
  }

  /** The value, marking it most recently used; null if absent. */
  public V get(K key) {
    return map.get(key);
  }

  /** Whether {@code key} has a value (does not mark it used). */
  public boolean containsKey(K key) {
    return map.containsKey(key);
  }

  /**
   * Inserts or replaces (most recently used) and evicts least recently used entries over the
   * bounds. Returns false (and stores nothing) if the value alone exceeds the weight bound.
   */
  public boolean put(K key, V value) {
    long w = weigher.applyAsLong(value);
    if (w > maxWeight) {
      remove(key);
      return false;
    }
    V previous = map.put(key, value);
    if (previous != null) {
      weight -= weigher.applyAsLong(previous);
    }
    weight += w;
    evictOver(key);
    return true;
  }

  /** The value of {@code key}, computed and inserted if absent. */
  public V computeIfAbsent(K key, Function<? super K, ? extends V> compute) {
    V v = map.get(key);
    if (v == null) {
      v = compute.apply(key);
      put(key, v);
    }
    return v;
  }

  /**
   * Puts {@code value}, or the merge of the present value and {@code value}; returns what is
   * stored.
   */
  public V merge(K key, V value, BiFunction<? super V, ? super V, ? extends V> merge) {
    V previous = map.get(key);
    V next = previous == null ? value : merge.apply(previous, value);
    put(key, next);
    return next;
  }

  /** Removes {@code key}; returns its value or null. */
  public V remove(K key) {
    V previous = map.remove(key);
    if (previous != null) {
      weight -= weigher.applyAsLong(previous);
    }
    return previous;
  }

  /** Removes everything. */
  public void clear() {
    map.clear();
    weight = 0;
  }

  /** The number of entries. */
  public int size() {
    return map.size();
  }

  /** The total weight of the entries. */
  public long weight() {
    return weight;
  }

  /** How many entries were evicted so far. */
  public long evictions() {
    return evictions;
  }

  private void evictOver(K keep) {
    Iterator<Map.Entry<K, V>> it = map.entrySet().iterator();
    while ((map.size() > maxEntries || weight > maxWeight) && it.hasNext()) {
      Map.Entry<K, V> eldest = it.next();
      if (eldest.getKey().equals(keep)) {
        continue;
      }
      weight -= weigher.applyAsLong(eldest.getValue());
      it.remove();
      evictions++;
    }
  }
}
