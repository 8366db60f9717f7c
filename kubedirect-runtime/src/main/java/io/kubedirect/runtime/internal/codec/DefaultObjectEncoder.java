package io.kubedirect.runtime.internal.codec;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.protocol.v1.Template;
import io.kubedirect.runtime.internal.cache.LruCache;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodSpec;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * The sender side of {@link DefaultObjectCodec}. Not thread-safe.
 *
 * <p>Fast path: when a pod's canonical tree (without per-object fields) equals a template's tree
 * exactly, the encoder deserialises that tree once into a pod model (a {@link Memo}, checked to
 * serialise back to the same bytes). A later pod that is {@linkplain ModelFields#sameJson strictly
 * equal} to the model outside name, uid, creationTimestamp, resourceVersion, managedFields and a
 * non-empty nodeName has that very tree, so its JSON conversion is skipped and the template choice
 * runs on the shared tree (which is never mutated). The bytes produced are those of the full JSON
 * path.
 */
final class DefaultObjectEncoder implements ObjectEncoder {

  /** A template as the encoder holds it: canonical tree, its JSON bytes and hash. */
  private record Entry(
      long hash, long group, JsonObject tree, JsonObject withoutStatus, ByteString json) {}

  /**
   * The template chosen for an object and the object's merge patch against it; {@code exact} when
   * the object's tree equals an existing template's.
   */
  private record Choice(Entry template, JsonObject delta, boolean exact) {}

  /**
   * A template whose tree a pod model reproduces exactly (model null: it does not, do not retry).
   * The model is private to the encoder, never mutated and never handed out.
   */
  private record Memo(String kind, Entry template, V1Pod model) {}

  /** Metadata fields that are not part of a template (typed fields or residual merge patch). */
  private static final Set<String> PER_OBJECT_META =
      Set.of("name", "uid", "creationTimestamp", "resourceVersion", "managedFields");

  /** Pod fields compared separately (apiVersion and kind come from the kind string). */
  private static final Set<String> POD_PARTS =
      Set.of("apiVersion", "kind", "metadata", "spec", "status");

  private static final Set<String> NODE_NAME = Set.of("nodeName");

  /** How many memos the encoder keeps (most recently used first). */
  private static final int MEMOS = 8;

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

  private final boolean fastPaths;

  /** Fast-path memos, most recently used first. */
  private final List<Memo> memos = new ArrayList<>(MEMOS + 1);

  /** Objects encoded by the fast path (for tests). */
  private long fastPathHits;

  DefaultObjectEncoder(
      int maxTemplates,
      long maxTemplateBytes,
      boolean dropManagedFields,
      boolean useTemplates,
      boolean fastPaths) {
    this.fastPaths =
        fastPaths
            && useTemplates
            && ModelFields.supports(V1Pod.class)
            && ModelFields.supports(V1ObjectMeta.class)
            && ModelFields.supports(V1PodSpec.class);
    this.dropManagedFields = dropManagedFields;
    this.useTemplates = useTemplates;
    this.candidates = LruCache.weighted(maxTemplates, maxTemplateBytes, e -> e.json().size());
    this.sent = LruCache.ofEntries(maxTemplates);
    this.byObject = LruCache.ofEntries(OBJECTS_PER_TEMPLATE * maxTemplates);
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
        throw new IllegalArgumentException(
            "object of kind " + objectKind + " in a batch of " + kind);
      }
      V1ObjectMeta meta = object.getMetadata();
      if (meta == null || meta.getName() == null || meta.getName().isEmpty()) {
        throw new IllegalArgumentException("object of kind " + kind + " has no metadata.name");
      }
      ObjectChange.Builder out =
          ObjectChange.newBuilder()
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

  private void encodeObject(
      String kind,
      KubernetesObject object,
      ObjectChange.Builder out,
      ObjectBatch.Builder batch,
      Set<Long> inBatch) {
    Memo memo = fastPaths ? matchMemo(kind, object) : null;
    JsonObject canonical;
    JsonObject residualMeta;
    if (memo != null) {
      // The object's canonical tree is the memo's template tree: shared, so it must not be mutated
      // below.
      canonical = memo.template().tree();
      fastPathHits++;
      residualMeta = perObjectFields((V1Pod) object, out);
    } else {
      residualMeta = new JsonObject();
      canonical = slowTree(kind, object, out, residualMeta);
    }
    JsonObject patch = residualMeta.size() == 0 ? new JsonObject() : canonicalPatch(residualMeta);
    Choice choice =
        !useTemplates
            ? null
            : chooseTemplate(
                canonical,
                kind
                    + " "
                    + Kinds.key(
                        object.getMetadata().getNamespace(), object.getMetadata().getName()));
    if (choice == null) {
      // The whole object in full_json: typed fields still apply on decode, so only the residual
      // joins it.
      out.setFullJson(
          ByteString.copyFrom(JsonTrees.bytes(JsonTrees.canonical(merged(canonical, patch)))));
      return;
    }
    if (fastPaths && memo == null && choice.exact() && object.getClass() == V1Pod.class) {
      remember(kind, choice.template());
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
        batch.addTemplates(
            Template.newBuilder().setHash(template.hash()).setKind(kind).setJson(template.json()));
      }
      sent.put(template.hash(), Boolean.TRUE);
    }
  }

  /**
   * {@code patch} merged into a shallow copy of {@code tree} (deepMerge copies nested objects it
   * changes).
   */
  private static JsonObject merged(JsonObject tree, JsonObject patch) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, JsonElement> en : tree.entrySet()) {
      out.add(en.getKey(), en.getValue());
    }
    JsonTrees.deepMerge(out, patch);
    return out;
  }

  /**
   * The full JSON path: the object's canonical tree without per-object fields, which go into {@code
   * out} (typed) or {@code residualMeta}.
   */
  private JsonObject slowTree(
      String kind, KubernetesObject object, ObjectChange.Builder out, JsonObject residualMeta) {
    JsonObject tree = JSON.getGson().toJsonTree(object).getAsJsonObject();
    tree.addProperty("apiVersion", Kinds.apiVersion(kind));
    tree.addProperty("kind", Kinds.kindName(kind));
    JsonObject meta = tree.getAsJsonObject("metadata");

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
    JsonObject spec =
        tree.has("spec") && tree.get("spec").isJsonObject() ? tree.getAsJsonObject("spec") : null;
    if (spec != null
        && spec.get("nodeName") instanceof JsonPrimitive p
        && p.isString()
        && !p.getAsString().isEmpty()) {
      out.setNodeName(p.getAsString());
      spec.remove("nodeName");
    }
    return JsonTrees.canonical(tree).getAsJsonObject();
  }

  /**
   * The fast path's per-object fields, taken from the model exactly as {@link #slowTree} takes them
   * from the object's JSON: typed fields into {@code out}, the rest returned as residual metadata.
   */
  private JsonObject perObjectFields(V1Pod pod, ObjectChange.Builder out) {
    JsonObject residualMeta = new JsonObject();
    V1ObjectMeta meta = pod.getMetadata();
    if (meta.getUid() != null) {
      JsonPrimitive uid = new JsonPrimitive(meta.getUid());
      byte[] raw = uuidBytes(uid);
      if (raw != null) {
        out.setUid(ByteString.copyFrom(raw));
      } else {
        residualMeta.add("uid", uid);
      }
    }
    if (meta.getCreationTimestamp() != null) {
      long millis = exactMillis(meta.getCreationTimestamp());
      if (millis != 0) {
        out.setCreationTimestampMillis(millis);
      } else {
        residualMeta.add(
            "creationTimestamp", JSON.getGson().toJsonTree(meta.getCreationTimestamp()));
      }
    }
    if (meta.getResourceVersion() != null) {
      residualMeta.addProperty("resourceVersion", meta.getResourceVersion());
    }
    // managedFields: matchMemo only matches when they are dropped or absent.
    String nodeName = pod.getSpec() == null ? null : pod.getSpec().getNodeName();
    if (nodeName != null && !nodeName.isEmpty()) {
      out.setNodeName(nodeName);
    }
    return residualMeta;
  }

  /** The memo whose template tree is the object's (outside per-object fields), or null. */
  private Memo matchMemo(String kind, KubernetesObject object) {
    if (memos.isEmpty() || object.getClass() != V1Pod.class) {
      return null;
    }
    V1Pod pod = (V1Pod) object;
    if (!dropManagedFields && pod.getMetadata().getManagedFields() != null) {
      return null;
    }
    for (int i = 0; i < memos.size(); i++) {
      Memo m = memos.get(i);
      if (m.model() != null
          && m.kind().equals(kind)
          && sameOutsidePerObjectFields(pod, m.model())) {
        if (i > 0) {
          memos.remove(i);
          memos.add(0, m);
        }
        return m;
      }
    }
    return null;
  }

  /**
   * Whether the pod's JSON without per-object fields is certainly the model's (apiVersion/kind
   * aside).
   */
  private static boolean sameOutsidePerObjectFields(V1Pod pod, V1Pod model) {
    if (!ModelFields.sameJsonExcept(pod, model, POD_PARTS)
        || !ModelFields.sameJsonExcept(pod.getMetadata(), model.getMetadata(), PER_OBJECT_META)
        || !ModelFields.sameJson(pod.getStatus(), model.getStatus())) {
      return false;
    }
    V1PodSpec spec = pod.getSpec();
    V1PodSpec other = model.getSpec();
    if (spec == null || other == null) {
      return spec == other;
    }
    String nodeName = spec.getNodeName();
    // A non-empty node name is a typed field; null or "" stays in the tree.
    String inTree = nodeName == null || nodeName.isEmpty() ? nodeName : null;
    return Objects.equals(inTree, other.getNodeName())
        && ModelFields.sameJsonExcept(spec, other, NODE_NAME);
  }

  /**
   * Makes a memo for a template that a pod's tree matched exactly (once per template while
   * remembered).
   */
  private void remember(String kind, Entry template) {
    for (Memo m : memos) {
      if (m.template() == template) {
        return;
      }
    }
    V1Pod model = null;
    try {
      V1Pod candidate = JSON.getGson().fromJson(template.tree(), V1Pod.class);
      if (candidate != null && candidate.getMetadata() != null) {
        JsonObject back = JSON.getGson().toJsonTree(candidate).getAsJsonObject();
        back.addProperty("apiVersion", Kinds.apiVersion(kind));
        back.addProperty("kind", Kinds.kindName(kind));
        if (ByteString.copyFrom(JsonTrees.bytes(JsonTrees.canonical(back)))
            .equals(template.json())) {
          model = candidate;
        }
      }
    } catch (RuntimeException e) {
      model = null;
    }
    memos.add(0, new Memo(kind, template, model));
    if (memos.size() > MEMOS) {
      memos.remove(memos.size() - 1);
    }
  }

  /**
   * The template for an object's canonical tree and the object's delta against it: the group's
   * template when the object differs from it only a little, else the object's own tree (which then
   * becomes the group's template). Null if no template can express the object (it holds JSON nulls,
   * or its hash is the reserved 0).
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
      // The same object's previous template: updates (a Deployment's replicas) change its group
      // each time.
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
    // Not "exact": a memo is made only when a second object matches the template (a burst), not per
    // template.
    return new Choice(entry, new JsonObject(), false);
  }

  /**
   * The template with the object's delta if the delta is small (a quarter of the template or less),
   * else null.
   */
  private static Choice reuse(Entry template, JsonObject canonical) {
    if (template == null) {
      return null;
    }
    if (template.tree().equals(canonical)) {
      return new Choice(template, new JsonObject(), true);
    }
    JsonObject delta = JsonTrees.diff(template.tree(), canonical);
    if (delta != null && JsonTrees.bytes(delta).length * 4L <= template.json().size()) {
      return new Choice(template, delta, false);
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

  /** How many objects this encoder encoded without a JSON conversion. */
  long fastPathHits() {
    return fastPathHits;
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
      return ByteBuffer.allocate(16)
          .putLong(u.getMostSignificantBits())
          .putLong(u.getLeastSignificantBits())
          .array();
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /**
   * Epoch millis of a timestamp without sub-millisecond digits (non-zero), else 0. Timestamps with
   * a non-UTC offset keep their instant and arrive in UTC (client-java's own JSON would write their
   * local time as UTC).
   */
  static long exactMillis(OffsetDateTime t) {
    if (t == null || t.getNano() % 1_000_000 != 0) {
      return 0;
    }
    return t.toInstant().toEpochMilli();
  }
}
