package io.kubedirect.runtime.internal.engine;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.runtime.internal.model.ObjectId;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.common.KubernetesObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An object this stage sent over a link and has not yet seen persisted. Guarded by the engine lock.
 */
final class DirtyEntry {
  final String kind;
  final String key;
  KubernetesObject object; // null when adopted from a downstream snapshot without content

  /**
   * Adopted from a downstream snapshot: the downstream holds it; never resent or written by
   * fallback.
   */
  boolean adopted;

  long version;
  ChangeType type;
  String baseRv;

  /**
   * A relay's input this object was derived from while neither was persisted (null otherwise): if
   * the API Server then shows a copy without this stage's change (the upstream wrote its input
   * through a fallback), the change is re-applied onto that copy and sent again ({@code
   * DefaultStageEngine.rebaseOnPersisted}).
   */
  KubernetesObject derivedFrom;

  PeerAddress dest;
  boolean persisted;
  long ackedVersion;

  /**
   * The version of a delete this stage is writing through the API Server (0: none). A downstream's
   * ack of the delete does not complete it: the object may be stored until that write is done.
   */
  long apiDeleteVersion;

  /** Sent over a link at least once (or adopted): the downstream may hold a copy. */
  boolean sentDown;

  /**
   * A delete already written through the API Server (its link was down) that still waits for the
   * downstream, which may hold a copy and persist it, to take the delete.
   */
  boolean awaitingDownstream;

  /** A tombstone whose persisted copy (written by a downstream anyway) is being deleted. */
  boolean deletingPersisted;

  final long firstNanos;
  final List<Waiter> waiters = new ArrayList<>(1);

  DirtyEntry(String kind, String key, long firstNanos) {
    this.kind = kind;
    this.key = key;
    this.firstNanos = firstNanos;
  }

  String id() {
    return ObjectId.idOf(kind, key);
  }

  /** Removes and returns all waiters (to complete outside the engine lock). */
  List<Waiter> drainWaiters() {
    List<Waiter> all = new ArrayList<>(waiters);
    waiters.clear();
    return all;
  }

  record Waiter(long version, CompletableFuture<KubernetesObject> future) {}
}
