package io.kubedirect.runtime.internal.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LruCacheTest {

  @Test
  void evictsTheLeastRecentlyUsedEntryOverTheEntryBound() {
    LruCache<String, Integer> c = LruCache.ofEntries(2);
    c.put("a", 1);
    c.put("b", 2);
    c.get("a");
    c.put("c", 3);
    assertThat(c.containsKey("a")).isTrue();
    assertThat(c.containsKey("b")).as("least recently used").isFalse();
    assertThat(c.containsKey("c")).isTrue();
    assertThat(c.evictions()).isEqualTo(1);
  }

  @Test
  void evictsOverTheWeightBoundAndRefusesAValueHeavierThanTheBound() {
    LruCache<String, String> c = LruCache.weighted(10, 5, String::length);
    c.put("a", "xx");
    c.put("b", "yyy");
    c.put("c", "zz");
    assertThat(c.containsKey("a")).isFalse();
    assertThat(c.weight()).isEqualTo(5);
    assertThat(c.put("d", "too long")).isFalse();
    assertThat(c.containsKey("d")).isFalse();
    assertThat(c.weight()).isEqualTo(5);
  }

  @Test
  void computeIfAbsentAndMergeKeepTheBoundAndTheWeight() {
    LruCache<String, Long> c = LruCache.ofEntries(2);
    assertThat(c.computeIfAbsent("a", k -> 1L)).isEqualTo(1L);
    assertThat(c.computeIfAbsent("a", k -> 9L)).isEqualTo(1L);
    assertThat(c.merge("a", 5L, Math::max)).isEqualTo(5L);
    assertThat(c.merge("a", 3L, Math::max)).isEqualTo(5L);
    c.merge("b", 1L, Math::max);
    c.merge("c", 1L, Math::max);
    assertThat(c.size()).isEqualTo(2);
    assertThat(c.remove("c")).isEqualTo(1L);
    c.clear();
    assertThat(c.size()).isZero();
  }

  @Test
  void rejectsBoundsBelowOne() {
    assertThatThrownBy(() -> LruCache.ofEntries(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxEntries");
    assertThatThrownBy(() -> LruCache.weighted(1, 0, v -> 0L))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxWeight");
  }
}
