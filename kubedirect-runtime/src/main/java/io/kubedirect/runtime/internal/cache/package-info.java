/**
 * Bounded maps: {@link LruCache}, deterministic and guarded by its user, for everything whose
 * eviction order matters (the codec's lock-step template tables, the engine's and the write-back's
 * recent-history maps). Internal: not API.
 */
package io.kubedirect.runtime.internal.cache;
