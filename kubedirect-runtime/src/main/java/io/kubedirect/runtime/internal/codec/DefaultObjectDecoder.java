package io.kubedirect.runtime.internal.codec;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.protocol.v1.ObjectRef;
import io.kubedirect.protocol.v1.Template;
import io.kubedirect.runtime.internal.cache.LruCache;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The receiver side of {@link DefaultObjectCodec}. Not thread-safe.
 *
 * <p>Fast path: a pod whose change has a template and no merge patch is materialised from the
 * template's decoded pod (deserialised once per template) by shallow copies of the pod, its
 * metadata, spec and status with the typed per-object fields set; everything below those
 * (containers, labels unless the change carries some, volumes, ...) is shared with the template's
 * pod and every other pod decoded from it. The result equals what the full JSON path gives.
 * Receivers must not mutate decoded objects in place (deep-copy first).
 */
final class DefaultObjectDecoder implements ObjectDecoder {

  /**
   * A cached template: its parsed tree (never handed out, only copies), JSON size and lazily its
   * pod.
   */
  private static final class Cached {
    private final String kind;
    private final JsonObject tree;
    private final int bytes;

    /** The decoded prototype (fast path), null if none can be made; valid once {@link #tried}. */
    private Prototype prototype;

    private boolean tried;

    Cached(String kind, JsonObject tree, int bytes) {
      this.kind = kind;
      this.tree = tree;
      this.bytes = bytes;
    }

    String kind() {
      return kind;
    }

    JsonObject tree() {
      return tree;
    }

    int bytes() {
      return bytes;
    }
  }

  /**
   * A template decoded as a pod (shared, never handed out itself), whether its tree has {@code
   * spec} as an object (else a node name needs the JSON path) and {@code metadata.labels} absent or
   * an object.
   */
  private record Prototype(V1Pod pod, boolean specIsObject, boolean labelsOk) {}

  private static final int UID_BYTES = 16;

  private final int maxObjectBytes;
  private final int maxChangesPerBatch;
  private final MessageDigest digest = JsonTrees.sha256();
  private final LruCache<Long, Cached> cache;

  private final boolean fastPaths;

  /** Objects decoded by the fast path (for tests). */
  private long fastPathHits;

  DefaultObjectDecoder(
      int maxTemplates,
      long maxTemplateBytes,
      int maxObjectBytes,
      int maxChangesPerBatch,
      boolean fastPaths) {
    this.fastPaths = fastPaths;
    this.maxObjectBytes = maxObjectBytes;
    this.maxChangesPerBatch = maxChangesPerBatch;
    this.cache = LruCache.weighted(maxTemplates, maxTemplateBytes, Cached::bytes);
  }

  @Override
  public List<InboundChange> decode(ObjectBatch batch) throws MissingTemplateException {
    String kind = batch.getKind();
    if (!Kinds.isRegistered(kind)) {
      throw new MalformedObjectException("unknown kind '" + kind + "'");
    }
    Class<? extends KubernetesObject> type = Kinds.classOf(kind);
    if (batch.getChangesCount() > maxChangesPerBatch) {
      throw new MalformedObjectException(
          "batch of "
              + batch.getChangesCount()
              + " changes exceeds the limit of "
              + maxChangesPerBatch);
    }

    Map<Long, Cached> local = new LinkedHashMap<>();
    for (Template t : batch.getTemplatesList()) {
      local.put(t.getHash(), verify(kind, t));
    }

    // Cache in the order the encoder recorded its sends: a batch template at its first use, and
    // every other
    // use touches the cache entry, so equal count bounds keep both LRUs identical.
    Set<Long> inserted = new HashSet<>();
    List<Cached> resolved = new ArrayList<>(batch.getChangesCount());
    List<ObjectRef> missingRefs = new ArrayList<>();
    Set<Long> missingHashes = new LinkedHashSet<>();
    for (ObjectChange c : batch.getChangesList()) {
      checkShape(c);
      Cached template = null;
      long h = c.getTemplateHash();
      if (c.getType() != ChangeType.DELETED && h != 0) {
        Cached fromBatch = local.get(h);
        if (fromBatch != null && inserted.add(h)) {
          cache.put(h, fromBatch);
          template = fromBatch;
        } else {
          template = cache.get(h);
          if (template == null && fromBatch != null) {
            // Evicted again within this batch: the encoder records it as sent once more, so cache
            // it again.
            cache.put(h, fromBatch);
            template = fromBatch;
          }
        }
        if (template != null && !template.kind().equals(kind)) {
          throw new MalformedObjectException(
              "change of "
                  + c.getName()
                  + " refers to a template of kind "
                  + template.kind()
                  + " in a batch of "
                  + kind);
        }
        if (template == null) {
          missingHashes.add(h);
          missingRefs.add(
              ObjectRef.newBuilder()
                  .setKind(kind)
                  .setNamespace(c.getNamespace())
                  .setName(c.getName())
                  .setVersion(c.getVersion())
                  .build());
        }
      }
      resolved.add(template);
    }
    for (Map.Entry<Long, Cached> en : local.entrySet()) {
      if (inserted.add(en.getKey())) {
        cache.put(en.getKey(), en.getValue());
      }
    }
    if (!missingRefs.isEmpty()) {
      throw new MissingTemplateException(missingRefs, new ArrayList<>(missingHashes));
    }

    List<InboundChange> out = new ArrayList<>(batch.getChangesCount());
    for (int i = 0; i < batch.getChangesCount(); i++) {
      ObjectChange c = batch.getChanges(i);
      if (c.getType() == ChangeType.DELETED) {
        if (c.getName().isEmpty()) {
          throw new MalformedObjectException("DELETED change without a name");
        }
        out.add(
            new InboundChange(
                ChangeType.DELETED,
                ObjectRef.newBuilder()
                    .setKind(kind)
                    .setNamespace(c.getNamespace())
                    .setName(c.getName())
                    .setVersion(c.getVersion())
                    .build(),
                null));
      } else {
        out.add(decodeObject(kind, type, c, resolved.get(i)));
      }
    }
    return out;
  }

  private Cached verify(String kind, Template t) {
    if (!t.getKind().equals(kind)) {
      throw new MalformedObjectException(
          "template of kind '" + t.getKind() + "' in a batch of " + kind);
    }
    if (t.getHash() == 0) {
      throw new MalformedObjectException("template with the reserved hash 0");
    }
    checkSize(t.getJson(), "template");
    if (JsonTrees.hash64(digest, t.getJson()) != t.getHash()) {
      throw new MalformedObjectException(
          "template JSON does not match its hash " + Long.toHexString(t.getHash()));
    }
    return new Cached(kind, JsonTrees.parseObject(t.getJson(), "template"), t.getJson().size());
  }

  private void checkShape(ObjectChange c) {
    if (c.getType() != ChangeType.ADDED
        && c.getType() != ChangeType.MODIFIED
        && c.getType() != ChangeType.DELETED) {
      throw new MalformedObjectException("bad change type " + c.getTypeValue());
    }
    if (!c.getUid().isEmpty() && c.getUid().size() != UID_BYTES) {
      throw new MalformedObjectException("uid must be 16 bytes, got " + c.getUid().size());
    }
    checkSize(c.getMergePatch(), "merge_patch");
    checkSize(c.getFullJson(), "full_json");
    if (c.getType() != ChangeType.DELETED
        && c.getTemplateHash() == 0
        && c.getFullJson().isEmpty()) {
      throw new MalformedObjectException(
          "change of " + c.getName() + " has neither a template nor full_json");
    }
  }

  private void checkSize(ByteString data, String what) {
    if (data.size() > maxObjectBytes) {
      throw new MalformedObjectException(
          what + " of " + data.size() + " bytes exceeds the limit of " + maxObjectBytes);
    }
  }

  private InboundChange decodeObject(
      String kind, Class<? extends KubernetesObject> type, ObjectChange c, Cached template) {
    if (fastPaths && template != null && type == V1Pod.class && c.getMergePatch().isEmpty()) {
      Prototype p = prototype(kind, template);
      if (p != null
          && (c.getNodeName().isEmpty() || p.specIsObject())
          && (c.getLabelsCount() == 0 || p.labelsOk())) {
        fastPathHits++;
        return fromPrototype(kind, c, p.pod());
      }
    }
    JsonObject tree =
        template != null
            ? template.tree().deepCopy()
            : JsonTrees.parseObject(c.getFullJson(), "full_json");
    String apiVersion = Kinds.apiVersion(kind);
    String kindName = Kinds.kindName(kind);
    checkOrSet(tree, "apiVersion", apiVersion);
    checkOrSet(tree, "kind", kindName);
    JsonObject meta = object(tree, "metadata");
    if (!c.getName().isEmpty()) {
      meta.addProperty("name", c.getName());
    }
    if (!c.getNamespace().isEmpty()) {
      meta.addProperty("namespace", c.getNamespace());
    }
    if (!c.getUid().isEmpty()) {
      meta.addProperty("uid", uid(c));
    }
    if (c.getCreationTimestampMillis() != 0) {
      meta.add("creationTimestamp", JSON.getGson().toJsonTree(creationTimestamp(c)));
    }
    if (c.getLabelsCount() > 0) {
      JsonObject labels = object(meta, "labels");
      c.getLabelsMap().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(en -> labels.addProperty(en.getKey(), en.getValue()));
    }
    if (!c.getNodeName().isEmpty()) {
      object(tree, "spec").addProperty("nodeName", c.getNodeName());
    }
    if (!c.getMergePatch().isEmpty()) {
      JsonTrees.applyPatch(tree, JsonTrees.parseObject(c.getMergePatch(), "merge_patch"));
    }
    checkOrSet(tree, "apiVersion", apiVersion);
    checkOrSet(tree, "kind", kindName);

    KubernetesObject object;
    try {
      object = JSON.getGson().fromJson(tree, type);
    } catch (RuntimeException e) {
      throw new MalformedObjectException(
          "object " + c.getName() + " is not a valid " + kind + ": " + e.getMessage(), e);
    }
    if (object == null
        || object.getMetadata() == null
        || object.getMetadata().getName() == null
        || object.getMetadata().getName().isEmpty()) {
      throw new MalformedObjectException("decoded " + kind + " has no metadata.name");
    }
    String namespace =
        object.getMetadata().getNamespace() == null ? "" : object.getMetadata().getNamespace();
    ObjectRef ref =
        ObjectRef.newBuilder()
            .setKind(kind)
            .setNamespace(namespace)
            .setName(object.getMetadata().getName())
            .setVersion(c.getVersion())
            .build();
    return new InboundChange(c.getType(), ref, object);
  }

  /**
   * The template's decoded pod, made on first use: the template tree as the JSON path would
   * complete it (apiVersion, kind, metadata) before adding per-object fields. Null if that tree
   * fails any check; the JSON path then reports the error for each object.
   */
  private static Prototype prototype(String kind, Cached template) {
    if (template.tried) {
      return template.prototype;
    }
    template.tried = true;
    if (!ModelFields.supports(V1Pod.class)
        || !ModelFields.supports(V1ObjectMeta.class)
        || !ModelFields.supports(V1PodSpec.class)
        || !ModelFields.supports(V1PodStatus.class)) {
      return null;
    }
    try {
      JsonObject tree = template.tree().deepCopy();
      checkOrSet(tree, "apiVersion", Kinds.apiVersion(kind));
      checkOrSet(tree, "kind", Kinds.kindName(kind));
      JsonObject meta = object(tree, "metadata");
      JsonElement labels = meta.get("labels");
      JsonElement spec = tree.get("spec");
      V1Pod pod = JSON.getGson().fromJson(tree, V1Pod.class);
      if (pod == null || pod.getMetadata() == null) {
        return null;
      }
      boolean specIsObject = spec != null && spec.isJsonObject() && pod.getSpec() != null;
      template.prototype =
          new Prototype(pod, specIsObject, labels == null || labels.isJsonObject());
      return template.prototype;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /**
   * The fast path: the prototype's pod with the change's typed fields, top-level containers copied.
   */
  private static InboundChange fromPrototype(String kind, ObjectChange c, V1Pod prototype) {
    V1Pod pod = ModelFields.shallowCopy(prototype);
    V1ObjectMeta meta = ModelFields.shallowCopy(prototype.getMetadata());
    pod.setMetadata(meta);
    if (prototype.getSpec() != null) {
      pod.setSpec(ModelFields.shallowCopy(prototype.getSpec()));
    }
    if (prototype.getStatus() != null) {
      pod.setStatus(ModelFields.shallowCopy(prototype.getStatus()));
    }
    if (!c.getName().isEmpty()) {
      meta.setName(c.getName());
    }
    if (!c.getNamespace().isEmpty()) {
      meta.setNamespace(c.getNamespace());
    }
    if (!c.getUid().isEmpty()) {
      meta.setUid(uid(c));
    }
    if (c.getCreationTimestampMillis() != 0) {
      meta.setCreationTimestamp(creationTimestamp(c));
    }
    if (c.getLabelsCount() > 0) {
      Map<String, String> labels =
          meta.getLabels() == null ? new LinkedHashMap<>() : new LinkedHashMap<>(meta.getLabels());
      c.getLabelsMap().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(en -> labels.put(en.getKey(), en.getValue()));
      meta.setLabels(labels);
    }
    if (!c.getNodeName().isEmpty()) {
      pod.getSpec().setNodeName(c.getNodeName());
    }
    if (meta.getName() == null || meta.getName().isEmpty()) {
      throw new MalformedObjectException("decoded " + kind + " has no metadata.name");
    }
    String namespace = meta.getNamespace() == null ? "" : meta.getNamespace();
    ObjectRef ref =
        ObjectRef.newBuilder()
            .setKind(kind)
            .setNamespace(namespace)
            .setName(meta.getName())
            .setVersion(c.getVersion())
            .build();
    return new InboundChange(c.getType(), ref, pod);
  }

  /** The change's 16-byte uid as a UUID string (the inverse of the encoder's {@code uuidBytes}). */
  private static String uid(ObjectChange c) {
    ByteBuffer b = c.getUid().asReadOnlyByteBuffer();
    return new UUID(b.getLong(), b.getLong()).toString();
  }

  /** The change's creation time, in UTC. */
  private static OffsetDateTime creationTimestamp(ObjectChange c) {
    return OffsetDateTime.ofInstant(
        Instant.ofEpochMilli(c.getCreationTimestampMillis()), ZoneOffset.UTC);
  }

  private static void checkOrSet(JsonObject tree, String field, String expected) {
    JsonElement e = tree.get(field);
    if (e == null) {
      tree.addProperty(field, expected);
    } else if (!e.isJsonPrimitive() || !e.getAsString().equals(expected)) {
      throw new MalformedObjectException(
          field + " " + e + " does not match the batch kind (" + expected + ")");
    }
  }

  private static JsonObject object(JsonObject parent, String field) {
    JsonElement e = parent.get(field);
    if (e == null) {
      JsonObject created = new JsonObject();
      parent.add(field, created);
      return created;
    }
    if (!e.isJsonObject()) {
      throw new MalformedObjectException(field + " is not a JSON object");
    }
    return e.getAsJsonObject();
  }

  /** How many objects this decoder materialised from a template's decoded pod. */
  long fastPathHits() {
    return fastPathHits;
  }

  @Override
  public void clear() {
    cache.clear();
  }

  @Override
  public int cachedTemplates() {
    return cache.size();
  }
}
