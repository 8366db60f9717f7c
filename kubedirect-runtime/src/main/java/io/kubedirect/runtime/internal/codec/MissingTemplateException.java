package io.kubedirect.runtime.internal.codec;

import io.kubedirect.protocol.v1.ObjectRef;
import java.util.List;

/**
 * A batch referred to templates the decoder does not hold (evicted, or the sender assumed a
 * previous epoch's cache). The receiver answers with {@code Error(NOT_FOUND, refs)}; the sender
 * resets its encoder and resends.
 */
public final class MissingTemplateException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient List<ObjectRef> refs;
  private final transient List<Long> templateHashes;

  /** Creates the exception for the given objects and the template hashes they need. */
  public MissingTemplateException(List<ObjectRef> refs, List<Long> templateHashes) {
    super("missing " + templateHashes.size() + " template(s) for " + refs.size() + " object(s)");
    this.refs = List.copyOf(refs);
    this.templateHashes = List.copyOf(templateHashes);
  }

  /** The objects whose changes could not be decoded, in batch order. */
  public List<ObjectRef> refs() {
    return refs;
  }

  /** The distinct missing template hashes, in order of first use. */
  public List<Long> templateHashes() {
    return templateHashes;
  }
}
