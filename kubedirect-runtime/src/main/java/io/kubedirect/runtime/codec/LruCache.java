package io.kubedirect.runtime.codec;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToLongFunction;

/** A least-recently-used map bounded by entry count and total weight (bytes). Not thread-safe. */
final class LruCache<K, V> {

  private final LinkedHashMap<K, V> map = new LinkedHashMap<>(16, 0.75f, true);
  private final int maxEntries;
  private final long maxWeight;
  private final ToLongFunction<V> weigher;
  private long weight;
  private long evictions;

  LruCache(int maxEntries, long maxWeight, ToLongFunction<V> weigher) {
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

  /** The value, marking it most recently used; null if absent. */
  V get(K key) {
    return map.get(key);
  }

  boolean containsKey(K key) {
    return map.containsKey(key);
  }

  /**
   * Inserts or replaces (most recently used) and evicts least recently used entries over the bounds.
   * Returns false (and stores nothing) if the value alone exceeds the weight bound.
   */
  boolean put(K key, V value) {
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
    Iterator<Map.Entry<K, V>> it = map.entrySet().iterator();
    while ((map.size() > maxEntries || weight > maxWeight) && it.hasNext()) {
      Map.Entry<K, V> eldest = it.next();
      if (eldest.getKey().equals(key)) {
        continue;
      }
      weight -= weigher.applyAsLong(eldest.getValue());
      it.remove();
      evictions++;
    }
    return true;
  }

  void remove(K key) {
    V previous = map.remove(key);
    if (previous != null) {
      weight -= weigher.applyAsLong(previous);
    }
  }

  void clear() {
    map.clear();
    weight = 0;
  }

  int size() {
    return map.size();
  }

  long weight() {
    return weight;
  }

  long evictions() {
    return evictions;
  }
}
