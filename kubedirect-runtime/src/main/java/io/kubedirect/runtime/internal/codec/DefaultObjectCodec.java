package io.kubedirect.runtime.internal.codec;

/**
 * The default {@link ObjectCodec}: templates (content-addressed by SHA-256) plus per-object deltas.
 *
 * <p>The template of an object is its canonical JSON (keys sorted, {@code apiVersion}/{@code kind}
 * filled in from the kind string) without {@code metadata.name}, {@code uid}, {@code
 * resourceVersion}, {@code creationTimestamp} and {@code managedFields}, and without {@code
 * spec.nodeName}; the namespace stays in the template ({@code ObjectChange.namespace} is then
 * empty). name, uid (if a UUID), creation time (if it has millisecond precision; it arrives in UTC)
 * and node name go into typed {@code ObjectChange} fields; anything else that differs from the
 * template (resourceVersion, other timestamps, status) goes into an RFC 7386 {@code merge_patch}.
 *
 * <p>An encoder reuses a template for an object when the object's merge patch against it is at most
 * a quarter of the template's size, trying (1) the template of the object's group (its template
 * without {@code status}: the pods of one ReplicaSet) and (2) the template the same object used
 * last (updates of one Deployment); otherwise the object's own template is sent. Output is
 * deterministic.
 *
 * <p>Fast paths (pods; {@link Builder#fastPaths}): once a pod's template equals a template exactly,
 * the encoder keeps that template's pod model and recognises later pods that differ from it only in
 * per-object fields by a strict field-by-field comparison, skipping their JSON conversion; the
 * decoder materialises pods without a merge patch from the template's decoded pod, sharing all
 * sub-objects below metadata, spec and status. Both give exactly the output of the full JSON path.
 * Decoded objects must therefore be treated as read-only (deep-copy before mutating), as the store
 * already requires.
 */
public final class DefaultObjectCodec implements ObjectCodec {

  private final Builder options;

  private DefaultObjectCodec(Builder options) {
    this.options = options.copy();
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public ObjectEncoder newEncoder(int maxTemplates) {
    requirePositive(maxTemplates);
    return new DefaultObjectEncoder(
        maxTemplates,
        options.maxTemplateBytes,
        options.dropManagedFields,
        options.useTemplates,
        options.fastPaths);
  }

  @Override
  public ObjectDecoder newDecoder(int maxTemplates) {
    requirePositive(maxTemplates);
    return new DefaultObjectDecoder(
        maxTemplates,
        options.maxTemplateBytes,
        options.maxObjectBytes,
        options.maxChangesPerBatch,
        options.fastPaths);
  }

  private static void requirePositive(int maxTemplates) {
    if (maxTemplates < 1) {
      throw new IllegalArgumentException("maxTemplates must be at least 1, got " + maxTemplates);
    }
  }

  /** Options of a {@link DefaultObjectCodec}. */
  public static final class Builder {
    private long maxTemplateBytes = 64L << 20;
    private int maxObjectBytes = 4 << 20;
    private int maxChangesPerBatch = 100_000;
    private boolean dropManagedFields = true;
    private boolean useTemplates = true;
    private boolean fastPaths = true;

    private Builder() {}

    /** Total JSON bytes of the templates one encoder or decoder keeps (default 64 MiB). */
    public Builder maxTemplateBytes(long bytes) {
      this.maxTemplateBytes = bytes;
      return this;
    }

    /** The largest template, full object or merge patch a decoder accepts (default 4 MiB). */
    public Builder maxObjectBytes(int bytes) {
      this.maxObjectBytes = bytes;
      return this;
    }

    /** The most changes a decoder accepts in one batch (default 100,000). */
    public Builder maxChangesPerBatch(int changes) {
      this.maxChangesPerBatch = changes;
      return this;
    }

    /**
     * Whether {@code metadata.managedFields} is dropped (default true: the API Server rebuilds it
     * on write-back); if false it travels in each object's merge patch.
     */
    public Builder dropManagedFields(boolean drop) {
      this.dropManagedFields = drop;
      return this;
    }

    /**
     * Whether encoders use templates (default true); if false every object goes as {@code
     * full_json}.
     */
    public Builder useTemplates(boolean use) {
      this.useTemplates = use;
      return this;
    }

    /**
     * Whether encoders and decoders take their fast paths for pods (default true): the output is
     * the same either way (bytes on the wire, decoded objects); false forces one full JSON
     * conversion per object, for comparison and diagnosis.
     */
    public Builder fastPaths(boolean fast) {
      this.fastPaths = fast;
      return this;
    }

    /**
     * The codec.
     *
     * @throws IllegalStateException if a bound is not positive or a single object may exceed the
     *     template bytes
     */
    public DefaultObjectCodec build() {
      if (maxTemplateBytes < 1 || maxObjectBytes < 1 || maxChangesPerBatch < 1) {
        throw new IllegalStateException(
            "maxTemplateBytes, maxObjectBytes and maxChangesPerBatch must be positive");
      }
      if (maxObjectBytes > maxTemplateBytes) {
        throw new IllegalStateException(
            "maxObjectBytes ("
                + maxObjectBytes
                + ") exceeds maxTemplateBytes ("
                + maxTemplateBytes
                + ")");
      }
      return new DefaultObjectCodec(this);
    }

    private Builder copy() {
      Builder b = new Builder();
      b.maxTemplateBytes = maxTemplateBytes;
      b.maxObjectBytes = maxObjectBytes;
      b.maxChangesPerBatch = maxChangesPerBatch;
      b.dropManagedFields = dropManagedFields;
      b.useTemplates = useTemplates;
      b.fastPaths = fastPaths;
      return b;
    }
  }
}
