package io.kubedirect.runtime.internal.codec;

/**
 * Creates encoders and decoders for direct links. Thread-safe; the encoders and decoders it creates
 * are not.
 *
 * <p>Give both ends of a link the same {@code maxTemplates}: the encoder then knows exactly which
 * templates the decoder still holds (both evict least recently used first, in the same order), and
 * a {@link MissingTemplateException} only happens when the decoder's byte bound evicts earlier,
 * after a restart of either side, or with a peer that uses other bounds. The answer to it is
 * NOT_FOUND, then {@link ObjectEncoder#reset()} and a resend.
 */
public interface ObjectCodec {

  /** The default codec: templates plus per-object deltas, managedFields dropped. */
  static ObjectCodec create() {
    return DefaultObjectCodec.builder().build();
  }

  /** A builder for a {@link DefaultObjectCodec} with non-default options. */
  static DefaultObjectCodec.Builder builder() {
    return DefaultObjectCodec.builder();
  }

  /**
   * A new sender-side encoder, one per link and epoch.
   *
   * @param maxTemplates how many templates the encoder remembers as sent (and as candidates); at
   *     least 1
   */
  ObjectEncoder newEncoder(int maxTemplates);

  /**
   * A new receiver-side decoder, one per link.
   *
   * @param maxTemplates how many templates the decoder caches; at least 1
   */
  ObjectDecoder newDecoder(int maxTemplates);
}
