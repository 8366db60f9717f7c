package io.kubedirect.runtime.internal.codec;

import io.kubedirect.protocol.v1.ObjectBatch;
import java.util.List;

/**
 * Sender side of the codec, one per link and epoch. Remembers which templates the peer was already
 * sent. Not thread-safe: confine it to the link's sending thread.
 */
public interface ObjectEncoder {

  /**
   * Encodes changes to objects of one kind into a batch. The batch includes every template that its
   * changes use and that this encoder has not sent yet (or forgot under its bound). Output is
   * deterministic: the same sequence of calls yields byte-identical batches.
   *
   * @param kind the kind string ({@link Kinds#of(Class)}); every object must be of this kind
   * @param changes the changes, in order; may be empty
   * @throws IllegalArgumentException if an object is not of {@code kind} or the kind is not
   *     registered
   */
  ObjectBatch encode(String kind, List<OutboundChange> changes);

  /**
   * Forgets which templates were sent: the peer lost them (new epoch, or it answered NOT_FOUND).
   * The next batches carry their templates again.
   */
  void reset();
}
