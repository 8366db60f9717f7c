package io.kubedirect.runtime.codec;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.protocol.v1.Template;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/** The sender side of {@link DefaultObjectCodec}. Not thread-safe. */
final class DefaultObjectEncoder implements ObjectEncoder {

  /** A template as the encoder holds it: canonical tree, its JSON bytes and hash. */
  private record Entry(long hash, long group, JsonObject tree, JsonObject withoutStatus, ByteString json) {}

  /** The template chosen for an object and the object's merge patch against it. */
  private record Choice(Entry template, JsonObject delta) {}

  /** How many objects per template the encoder remembers the last template of. */
  private static final int OBJECTS_PER_TEMPLATE = 64;

  private final boolean dropManagedFields;
  private final boolean useTemplates;
  private final MessageDigest digest = JsonTrees.sha256();
  /** Template group (hash of the template without status) -> the template used for the group. */
  private final LruCache<Long, Entry> candidates;
  /** Hashes of the templates the peer was sent (mirrors the peer's LRU when bounds agree). */
  private final LruCache<Long, Boolean> sent;
  /** Object key -> the template its last change used (bounded). */
  private final LruCache<String, Entry> byObject;
  /** The template used last: consecutive objects of one group skip hashing. */
  private Entry last;

  DefaultObjectEncoder(int maxTemplates, long maxTemplateBytes, boolean dropManagedFields,
      boolean useTemplates) {
    this.dropManagedFields = dropManagedFields;
    this.useTemplates = useTemplates;
    this.candidates = new LruCache<>(maxTemplates, maxTemplateBytes, e -> e.json().size());
    this.sent = new LruCache<>(maxTemplates, Long.MAX_VALUE, b -> 0L);
    this.byObject = new LruCache<>(OBJECTS_PER_TEMPLATE * maxTemplates, Long.MAX_VALUE, e -> 0L);
  }

  @Override
  public ObjectBatch encode(String kind, List<OutboundChange> changes) {
    Objects.requireNonNull(changes, "changes");
    Kinds.classOf(kind);
    ObjectBatch.Builder batch = ObjectBatch.newBuilder().setKind(kind);
    Set<Long> inBatch = new HashSet<>();
    for (OutboundChange change : changes) {
      KubernetesObject object = change.object();
      String objectKind = Kinds.of(object);
      if (!objectKind.equals(kind)) {
        throw new IllegalArgumentException("object of kind " + objectKind + " in a batch of " + kind);
      }
      V1ObjectMeta meta = object.getMetadata();
      if (meta == null || meta.getName() == null || meta.getName().isEmpty()) {
        throw new IllegalArgumentException("object of kind " + kind + " has no metadata.name");
      }
      ObjectChange.Builder out = ObjectChange.newBuilder()
          .setType(change.type())
          .setName(meta.getName())
          .setVersion(change.version());
      if (change.type() == ChangeType.DELETED) {
        out.setNamespace(Objects.requireNonNullElse(meta.getNamespace(), ""));
      } else {
        encodeObject(kind, object, out, batch, inBatch);
      }
      batch.addChanges(out);
    }
    return batch.build();
  }

  private void encodeObject(String kind, KubernetesObject object, ObjectChange.Builder out,
      ObjectBatch.Builder batch, Set<Long> inBatch) {
    JsonObject tree = JSON.getGson().toJsonTree(object).getAsJsonObject();
    tree.addProperty("apiVersion", Kinds.apiVersion(kind));
    tree.addProperty("kind", Kinds.kindName(kind));
    JsonObject meta = tree.getAsJsonObject("metadata");
    JsonObject residualMeta = new JsonObject();

    meta.remove("name");
    JsonElement uid = meta.remove("uid");
    if (uid != null) {
      byte[] raw = uuidBytes(uid);
      if (raw != null) {
        out.setUid(ByteString.copyFrom(raw));
      } else {
        residualMeta.add("uid", uid);
      }
    }
    JsonElement created = meta.remove("creationTimestamp");
    if (created != null) {
      long millis = exactMillis(object.getMetadata().getCreationTimestamp());
      if (millis != 0) {
        out.setCreationTimestampMillis(millis);
      } else {
        residualMeta.add("creationTimestamp", created);
      }
    }
    JsonElement rv = meta.remove("resourceVersion");
    if (rv != null) {
      residualMeta.add("resourceVersion", rv);
    }
    JsonElement managed = meta.remove("managedFields");
    if (managed != null && !dropManagedFields) {
      residualMeta.add("managedFields", managed);
    }
    JsonObject spec = tree.has("spec") && tree.get("spec").isJsonObject() ? tree.getAsJsonObject("spec") : null;
    if (spec != null && spec.get("nodeName") instanceof JsonPrimitive p && p.isString()
        && !p.getAsString().isEmpty()) {
      out.setNodeName(p.getAsString());
      spec.remove("nodeName");
    }

    JsonObject canonical = JsonTrees.canonical(tree).getAsJsonObject();
    JsonObject patch = residualMeta.size() == 0 ? new JsonObject() : canonicalPatch(residualMeta);
    if (!useTemplates) {
      // The whole object in full_json: typed fields still apply on decode, so only the residual joins it.
      JsonTrees.deepMerge(canonical, patch);
      out.setFullJson(ByteString.copyFrom(JsonTrees.bytes(JsonTrees.canonical(canonical))));
      return;
    }

    Choice choice = chooseTemplate(canonical, kind + " " + Kinds.key(object.getMetadata().getNamespace(),
        object.getMetadata().getName()));
    if (choice == null) {
      JsonTrees.deepMerge(canonical, patch);
      out.setFullJson(ByteString.copyFrom(JsonTrees.bytes(JsonTrees.canonical(canonical))));
      return;
    }
    Entry template = choice.template();
    JsonObject delta = choice.delta();
    JsonTrees.deepMerge(delta, patch);
    out.setTemplateHash(template.hash());
    if (delta.size() > 0) {
      out.setMergePatch(ByteString.copyFrom(JsonTrees.bytes(delta)));
    }
    if (sent.get(template.hash()) == null) {
      if (inBatch.add(template.hash())) {
        batch.addTemplates(Template.newBuilder()
            .setHash(template.hash())
            .setKind(kind)
            .setJson(template.json()));
      }
      sent.put(template.hash(), Boolean.TRUE);
    }
  }

  /**
   * The template for an object's canonical tree and the object's delta against it: the group's template
   * when the object differs from it only a little, else the object's own tree (which then becomes the group's
   * template). Null if no template can express the object (it holds JSON nulls, or its hash is the reserved 0).
   */
  private Choice chooseTemplate(JsonObject canonical, String objectKey) {
    JsonObject withoutStatus = withoutStatus(canonical);
    Entry existing;
    long group;
    if (last != null && last.withoutStatus().equals(withoutStatus)) {
      existing = last;
      group = last.group();
    } else {
      group = JsonTrees.hash64(digest, JsonTrees.bytes(withoutStatus));
      existing = candidates.get(group);
    }
    Choice reuse = reuse(existing, canonical);
    if (reuse == null) {
      // The same object's previous template: updates (a Deployment's replicas) change its group each time.
      Entry previous = byObject.get(objectKey);
      if (previous != null && previous != existing) {
        reuse = reuse(previous, canonical);
      }
    }
    if (reuse != null) {
      last = reuse.template();
      byObject.put(objectKey, reuse.template());
      return reuse;
    }
    if (JsonTrees.containsNull(canonical)) {
      return null;
    }
    byte[] json = JsonTrees.bytes(canonical);
    long hash = JsonTrees.hash64(digest, json);
    if (hash == 0) {
      return null;
    }
    Entry entry = new Entry(hash, group, canonical, withoutStatus, ByteString.copyFrom(json));
    candidates.put(group, entry);
    byObject.put(objectKey, entry);
    last = entry;
    return new Choice(entry, new JsonObject());
  }

  /** The template with the object's delta if the delta is small (a quarter of the template or less), else null. */
  private static Choice reuse(Entry template, JsonObject canonical) {
    if (template == null) {
      return null;
    }
    if (template.tree().equals(canonical)) {
      return new Choice(template, new JsonObject());
    }
    JsonObject delta = JsonTrees.diff(template.tree(), canonical);
    if (delta != null && JsonTrees.bytes(delta).length * 4L <= template.json().size()) {
      return new Choice(template, delta);
    }
    return null;
  }

  private static JsonObject withoutStatus(JsonObject canonical) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, JsonElement> en : canonical.entrySet()) {
      if (!en.getKey().equals("status")) {
        out.add(en.getKey(), en.getValue());
      }
    }
    return out;
  }

  private static JsonObject canonicalPatch(JsonObject residualMeta) {
    JsonObject patch = new JsonObject();
    patch.add("metadata", JsonTrees.canonical(residualMeta));
    return patch;
  }

  @Override
  public void reset() {
    sent.clear();
  }

  /** The 16 bytes of a UUID string that round-trips exactly, else null. */
  static byte[] uuidBytes(JsonElement uid) {
    if (!(uid instanceof JsonPrimitive p) || !p.isString()) {
      return null;
    }
    String s = p.getAsString();
    if (s.length() != 36) {
      return null;
    }
    try {
      UUID u = UUID.fromString(s);
      if (!u.toString().equals(s)) {
        return null;
      }
      return ByteBuffer.allocate(16).putLong(u.getMostSignificantBits()).putLong(u.getLeastSignificantBits())
          .array();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Epoch millis of a timestamp without sub-millisecond digits (non-zero), else 0. Timestamps with a non-UTC
   * offset keep their instant and arrive in UTC (client-java's own JSON would write their local time as UTC).
   */
  static long exactMillis(OffsetDateTime t) {
    if (t == null || t.getNano() % 1_000_000 != 0) {
      return 0;
    }
    return t.toInstant().toEpochMilli();
  }
}
