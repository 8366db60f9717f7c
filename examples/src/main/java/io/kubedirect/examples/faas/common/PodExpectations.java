package io.kubedirect.examples.faas.common;

import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Name-based creation/deletion expectations for one controller (the idea of the real ReplicaSet
 * controller's expectations): pods the controller created or deleted but that its informer does not
 * show yet still count, so a lagging informer never causes over- or under-creation. Entries expire
 * after a TTL, so a lost event cannot wedge an owner forever. Thread-safe.
 */
public final class PodExpectations {

  private final Map<String, Owner> owners = new ConcurrentHashMap<>();
  private final long ttlNanos;
  private final LongSupplier nanoClock;

  /** Expectations that expire after five minutes (what Kubernetes uses). */
  public PodExpectations() {
    this(Duration.ofMinutes(5), System::nanoTime);
  }

  /**
   * Expectations with an explicit TTL and clock (for tests).
   *
   * @throws IllegalArgumentException if {@code ttl} is not positive
   */
  public PodExpectations(Duration ttl, LongSupplier nanoClock) {
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("ttl must be positive");
    }
    this.ttlNanos = ttl.toNanos();
    this.nanoClock = nanoClock;
  }

  /** Records that {@code podName} is being created for {@code ownerKey}. */
  public void expectCreate(String ownerKey, String podName) {
    owner(ownerKey).creates.put(podName, nanoClock.getAsLong());
  }

  /** Forgets a create that failed. */
  public void createFailed(String ownerKey, String podName) {
    owner(ownerKey).creates.remove(podName);
  }

  /** Records that {@code podName} is being deleted for {@code ownerKey}. */
  public void expectDelete(String ownerKey, String podName) {
    owner(ownerKey).deletes.put(podName, nanoClock.getAsLong());
  }

  /** Forgets a delete that failed. */
  public void deleteFailed(String ownerKey, String podName) {
    owner(ownerKey).deletes.remove(podName);
  }

  /** Drops everything known about an owner (it was deleted). */
  public void forget(String ownerKey) {
    owners.remove(ownerKey);
  }

  /**
   * The set of pods that count for {@code ownerKey}: the informer's {@code active} pods plus
   * pending creates, minus pending deletes. Settles the expectations on the way: a create is done
   * once the informer shows the pod in any state ({@code known}); a delete is done once the pod is
   * no longer active.
   *
   * @param known names of all pods of the owner the informer shows (including terminating ones)
   * @param active names of the owner's active pods (a subset of {@code known})
   */
  public Set<String> effective(
      String ownerKey, Collection<String> known, Collection<String> active) {
    Owner o = owner(ownerKey);
    long now = nanoClock.getAsLong();
    Set<String> knownSet = known instanceof Set ? (Set<String>) known : new HashSet<>(known);
    Set<String> activeSet = active instanceof Set ? (Set<String>) active : new HashSet<>(active);
    o.creates
        .entrySet()
        .removeIf(e -> knownSet.contains(e.getKey()) || now - e.getValue() > ttlNanos);
    o.deletes
        .entrySet()
        .removeIf(e -> !activeSet.contains(e.getKey()) || now - e.getValue() > ttlNanos);
    Set<String> result = new HashSet<>(activeSet);
    result.addAll(o.creates.keySet());
    result.removeAll(o.deletes.keySet());
    return result;
  }

  /** Number of creates still pending for the owner (for tests and logs). */
  public int pendingCreates(String ownerKey) {
    Owner o = owners.get(ownerKey);
    return o == null ? 0 : o.creates.size();
  }

  /** Names of the deletes still pending for the owner (for tests and logs). */
  public Set<String> pendingDeletes(String ownerKey) {
    Owner o = owners.get(ownerKey);
    return o == null ? Set.of() : Set.copyOf(o.deletes.keySet());
  }

  /** True if {@code podName} is a pending create of any owner (used to avoid name reuse). */
  public boolean isPendingCreate(String podName) {
    for (Owner o : owners.values()) {
      if (o.creates.containsKey(podName)) {
        return true;
      }
    }
    return false;
  }

  private Owner owner(String key) {
    return owners.computeIfAbsent(key, k -> new Owner());
  }

  private static final class Owner {
    final Map<String, Long> creates = new ConcurrentHashMap<>();
    final Map<String, Long> deletes = new ConcurrentHashMap<>();
  }
}
