package io.kubedirect.runtime.internal.engine;

import io.kubedirect.runtime.internal.cache.LruCache;
import io.kubedirect.runtime.internal.codec.ObjectDecoder;
import io.kubedirect.transport.Link;

/** The receiving side of one accepted link from an upstream stage. Guarded by the engine lock. */
final class DownstreamSession {
  /** How many received deletes a session remembers (see {@link #deleted}). */
  private static final int REMEMBERED_DELETES = 4096;

  final Link link;

  /** The peer's stage (its identity). */
  final String peer;

  /**
   * The source its handshake named: the peer's stage, or for a publisher (protocol minor 3) a
   * {@code /}-refinement of it naming one instance. Epochs and held objects are kept per source.
   */
  String source;

  /**
   * Whether the peer publishes to this stage as one of its subscribers (this stage only observes).
   */
  boolean subscription;

  long epoch;
  ObjectDecoder decoder;

  /**
   * The version of the last delete received per object in the current epoch, so that an older copy
   * arriving after it (a peer or network that reorders or duplicates, against the Link contract) is
   * not taken for a new one. Bounded, least recently used forgotten.
   */
  private final LruCache<String, Long> deletes = LruCache.ofEntries(REMEMBERED_DELETES);

  DownstreamSession(Link link, String source) {
    this.link = link;
    this.peer = source;
    this.source = source;
  }

  /**
   * A new epoch was installed on this session: what the previous one received no longer applies.
   */
  void newEpoch(long epoch) {
    this.epoch = epoch;
    deletes.clear();
  }

  /** Records a received delete of {@code id} at {@code version}. */
  void deleted(String id, long version) {
    deletes.merge(id, version, Math::max);
  }

  /**
   * Whether a copy of {@code id} at {@code version} is older than a delete this session received.
   */
  boolean deletedSince(String id, long version) {
    Long v = deletes.get(id);
    return v != null && version <= v;
  }
}
