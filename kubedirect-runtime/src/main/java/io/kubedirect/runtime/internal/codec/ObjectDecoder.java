package io.kubedirect.runtime.internal.codec;

import io.kubedirect.protocol.v1.ObjectBatch;
import java.util.List;

/**
 * Receiver side of the codec, one per link. Caches templates (bounded, LRU by count and total
 * bytes). Not thread-safe: confine it to the link's receiving thread.
 *
 * <p>Decoded objects are read-only: objects decoded from one template may share sub-objects
 * (containers, volumes, maps) with each other and with the decoder's cache. Deep-copy an object
 * before mutating it.
 */
public interface ObjectDecoder {

  /**
   * Decodes a batch. The batch's own templates are verified and cached first; then every change is
   * decoded. All or nothing: when a change refers to a template that is neither in the batch nor
   * cached, nothing is returned and the exception names every such object.
   *
   * @throws MissingTemplateException if templates are missing (answer the batch with NOT_FOUND and
   *     the refs)
   * @throws MalformedObjectException if the batch is invalid: unknown kind, bad JSON, hash
   *     mismatch, bad sizes (answer MALFORMED); the decoder stays usable
   */
  List<InboundChange> decode(ObjectBatch batch) throws MissingTemplateException;

  /** Forgets all cached templates (e.g. when the link's source starts a new epoch). */
  void clear();

  /** Number of templates currently cached. */
  int cachedTemplates();
}
