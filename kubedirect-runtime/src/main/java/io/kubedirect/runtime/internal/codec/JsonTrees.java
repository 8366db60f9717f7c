package io.kubedirect.runtime.internal.codec;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON tree helpers: canonical form, strict bounded parsing, RFC 7386 merge patches, content
 * hashes.
 */
final class JsonTrees {

  /**
   * Writes trees compactly, keeping nulls (merge patch deletions), without HTML escaping, in tree
   * key order.
   */
  static final Gson WRITER = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private static final TypeAdapter<JsonElement> ELEMENT = WRITER.getAdapter(JsonElement.class);
  static final int MAX_NESTING = 100;

  private JsonTrees() {}

  /**
   * A copy of the tree with the keys of every object sorted (so equal content gives equal bytes).
   */
  static JsonElement canonical(JsonElement e) {
    if (e.isJsonObject()) {
      JsonObject in = e.getAsJsonObject();
      List<String> keys = new ArrayList<>(in.keySet());
      keys.sort(null);
      JsonObject out = new JsonObject();
      for (String k : keys) {
        out.add(k, canonical(in.get(k)));
      }
      return out;
    }
    if (e.isJsonArray()) {
      JsonArray in = e.getAsJsonArray();
      JsonArray out = new JsonArray(in.size());
      for (JsonElement x : in) {
        out.add(canonical(x));
      }
      return out;
    }
    return e;
  }

  static byte[] bytes(JsonElement e) {
    return WRITER.toJson(e).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Parses strict JSON (one value, nothing after it, nesting bounded).
   *
   * @throws MalformedObjectException on any syntax problem
   */
  static JsonElement parse(ByteString data, String what) {
    try (JsonReader reader =
        new JsonReader(new InputStreamReader(data.newInput(), StandardCharsets.UTF_8))) {
      reader.setStrictness(Strictness.STRICT);
      reader.setNestingLimit(MAX_NESTING);
      JsonElement e = ELEMENT.read(reader);
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw new MalformedObjectException(what + ": trailing data after the JSON value");
      }
      return e;
    } catch (IOException | RuntimeException e) {
      if (e instanceof MalformedObjectException m) {
        throw m;
      }
      throw new MalformedObjectException(what + ": invalid JSON: " + e.getMessage(), e);
    }
  }

  /** Parses strict JSON that must be an object. */
  static JsonObject parseObject(ByteString data, String what) {
    JsonElement e = parse(data, what);
    if (!e.isJsonObject()) {
      throw new MalformedObjectException(what + ": expected a JSON object");
    }
    return e.getAsJsonObject();
  }

  /** Whether a JSON null occurs anywhere in the tree (a merge patch cannot produce one). */
  static boolean containsNull(JsonElement e) {
    if (e.isJsonNull()) {
      return true;
    }
    if (e.isJsonObject()) {
      for (Map.Entry<String, JsonElement> en : e.getAsJsonObject().entrySet()) {
        if (containsNull(en.getValue())) {
          return true;
        }
      }
    } else if (e.isJsonArray()) {
      for (JsonElement x : e.getAsJsonArray()) {
        if (containsNull(x)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * The RFC 7386 merge patch that turns {@code source} into {@code target}, or null if none exists
   * (the target holds JSON nulls). The result shares subtrees with {@code target}; serialize it, do
   * not mutate it.
   */
  static JsonObject diff(JsonObject source, JsonObject target) {
    JsonObject patch = new JsonObject();
    for (String k : source.keySet()) {
      if (!target.has(k)) {
        patch.add(k, JsonNull.INSTANCE);
      }
    }
    for (Map.Entry<String, JsonElement> en : target.entrySet()) {
      JsonElement tv = en.getValue();
      JsonElement sv = source.get(en.getKey());
      if (tv.equals(sv)) {
        continue;
      }
      if (sv != null && sv.isJsonObject() && tv.isJsonObject()) {
        JsonObject sub = diff(sv.getAsJsonObject(), tv.getAsJsonObject());
        if (sub == null) {
          return null;
        }
        patch.add(en.getKey(), sub);
      } else {
        if (containsNull(tv)) {
          return null;
        }
        patch.add(en.getKey(), tv);
      }
    }
    return patch;
  }

  /**
   * Applies an RFC 7386 merge patch to {@code target} (mutating it when both are objects); returns
   * the result.
   */
  static JsonElement applyPatch(JsonElement target, JsonElement patch) {
    if (!patch.isJsonObject()) {
      return patch;
    }
    JsonObject out =
        target != null && target.isJsonObject() ? target.getAsJsonObject() : new JsonObject();
    for (Map.Entry<String, JsonElement> en : patch.getAsJsonObject().entrySet()) {
      if (en.getValue().isJsonNull()) {
        out.remove(en.getKey());
      } else {
        out.add(en.getKey(), applyPatch(out.get(en.getKey()), en.getValue()));
      }
    }
    return out;
  }

  /** Merges {@code extra} into {@code into} recursively (objects merged, other values replaced). */
  static void deepMerge(JsonObject into, JsonObject extra) {
    for (Map.Entry<String, JsonElement> en : extra.entrySet()) {
      JsonElement existing = into.get(en.getKey());
      if (existing != null && existing.isJsonObject() && en.getValue().isJsonObject()) {
        JsonObject copy = existing.getAsJsonObject().deepCopy();
        deepMerge(copy, en.getValue().getAsJsonObject());
        into.add(en.getKey(), copy);
      } else {
        into.add(en.getKey(), en.getValue());
      }
    }
  }

  /** A SHA-256 digest (not thread-safe; one per encoder or decoder). */
  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /** The first 8 bytes, big-endian, of SHA-256 over {@code data}. */
  static long hash64(MessageDigest digest, byte[] data) {
    digest.reset();
    return first8(digest.digest(data));
  }

  /** The first 8 bytes, big-endian, of SHA-256 over {@code data}. */
  static long hash64(MessageDigest digest, ByteString data) {
    digest.reset();
    digest.update(data.asReadOnlyByteBuffer());
    return first8(digest.digest());
  }

  private static long first8(byte[] d) {
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xffL);
    }
    return h;
  }
}
