package io.kubedirect.examples.faas.common;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * The {@code pod-template-hash} of a Deployment's pod template: a 32-bit FNV-1a hash of the
 * template's canonical JSON (object keys sorted, so the same template always gives the same hash
 * whatever the map order) and the Deployment's collision count, written with the stock controller's
 * alphabet of consonants and digits (no vowels, so a hash never spells a word). Same idea as the
 * stock controller, not the same values: its hash covers Go's printed form of the object.
 */
public final class PodTemplateHash {

  private static final char[] ALPHABET = "bcdfghjklmnpqrstvwxz2456789".toCharArray();
  private static final int FNV_OFFSET = 0x811c9dc5;
  private static final int FNV_PRIME = 0x01000193;

  private PodTemplateHash() {}

  /**
   * The hash of {@code template} with {@code collisionCount} (null counts as none) mixed in, with
   * the {@link FaasConventions#POD_TEMPLATE_HASH_LABEL} label itself left out of the template.
   */
  public static String of(V1PodTemplateSpec template, Integer collisionCount) {
    Objects.requireNonNull(template, "template");
    JsonElement tree = JsonParser.parseString(JSON.serialize(template));
    JsonElement labels =
        tree.getAsJsonObject().has("metadata")
            ? tree.getAsJsonObject().getAsJsonObject("metadata").get("labels")
            : null;
    if (labels != null && labels.isJsonObject()) {
      labels.getAsJsonObject().remove(FaasConventions.POD_TEMPLATE_HASH_LABEL);
    }
    StringBuilder canonical = new StringBuilder();
    write(tree, canonical);
    if (collisionCount != null) {
      canonical.append('#').append(collisionCount);
    }
    int hash = FNV_OFFSET;
    for (byte b : canonical.toString().getBytes(StandardCharsets.UTF_8)) {
      hash ^= b & 0xff;
      hash *= FNV_PRIME;
    }
    return encode(Integer.toUnsignedLong(hash));
  }

  /** Writes {@code e} as JSON with the keys of every object sorted. */
  private static void write(JsonElement e, StringBuilder out) {
    if (e.isJsonObject()) {
      JsonObject o = e.getAsJsonObject();
      List<String> keys = new ArrayList<>(o.keySet());
      Collections.sort(keys);
      out.append('{');
      for (int i = 0; i < keys.size(); i++) {
        out.append(i == 0 ? "" : ",").append('"').append(keys.get(i)).append("\":");
        write(o.get(keys.get(i)), out);
      }
      out.append('}');
    } else if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      out.append('[');
      for (int i = 0; i < a.size(); i++) {
        out.append(i == 0 ? "" : ",");
        write(a.get(i), out);
      }
      out.append(']');
    } else {
      out.append(e);
    }
  }

  private static String encode(long value) {
    StringBuilder sb = new StringBuilder();
    do {
      sb.append(ALPHABET[(int) (value % ALPHABET.length)]);
      value /= ALPHABET.length;
    } while (value > 0);
    return sb.toString();
  }
}
