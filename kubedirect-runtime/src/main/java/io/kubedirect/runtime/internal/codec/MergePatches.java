package io.kubedirect.runtime.internal.codec;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;

/**
 * Re-applies one writer's change onto a newer copy of an object: the RFC 7386 merge patch that
 * turns the copy the writer started from into what it wants, applied to the copy stored now. Fields
 * the writer did not change keep whatever another writer stored meanwhile (e.g. {@code kubectl
 * scale} or an HPA).
 */
public final class MergePatches {

  private MergePatches() {}

  /**
   * {@code current} with the changes from {@code base} to {@code desired} applied, as {@code
   * desired}'s class, carrying {@code current}'s resourceVersion; null when the change cannot be
   * expressed as a merge patch (the desired object holds JSON nulls).
   */
  @SuppressWarnings("unchecked")
  public static <T extends KubernetesObject> T rebase(
      KubernetesObject base, T desired, KubernetesObject current) {
    JsonObject patch = JsonTrees.diff(tree(base), tree(desired));
    if (patch == null) {
      return null;
    }
    JsonObject meta = patch.getAsJsonObject("metadata");
    if (meta != null) {
      meta.remove("resourceVersion");
    }
    JsonElement merged = JsonTrees.applyPatch(tree(current), patch);
    T out = (T) JSON.deserialize(merged.toString(), desired.getClass());
    out.getMetadata().setResourceVersion(current.getMetadata().getResourceVersion());
    return out;
  }

  /**
   * Whether {@code current} already holds every change from {@code base} to {@code desired}
   * (applying that merge patch to it changes nothing but its resourceVersion); false when the
   * change cannot be expressed as a merge patch.
   */
  public static boolean reflects(
      KubernetesObject base, KubernetesObject desired, KubernetesObject current) {
    JsonObject patch = JsonTrees.diff(tree(base), tree(desired));
    if (patch == null) {
      return false;
    }
    JsonObject meta = patch.getAsJsonObject("metadata");
    if (meta != null) {
      meta.remove("resourceVersion");
    }
    JsonObject cur = tree(current);
    return JsonTrees.applyPatch(cur.deepCopy(), patch).equals(cur);
  }

  /**
   * Whether the stored copy {@code stored} carries everything {@code ephemeral} says outside its
   * status and the server-set metadata (resourceVersion, generation, uid, creationTimestamp,
   * managedFields): the ephemeral change is in the store, even if no spec change bumped the
   * generation (a pod's binding).
   */
  public static boolean carries(KubernetesObject stored, KubernetesObject ephemeral) {
    JsonObject eph = tree(ephemeral);
    eph.remove("status");
    JsonObject meta = eph.getAsJsonObject("metadata");
    if (meta != null) {
      for (String f :
          new String[] {
            "resourceVersion", "generation", "uid", "creationTimestamp", "managedFields"
          }) {
        meta.remove(f);
      }
    }
    JsonObject cur = tree(stored);
    return JsonTrees.applyPatch(cur.deepCopy(), eph).equals(cur);
  }

  /**
   * Whether {@code stored} carries everything {@code ephemeral} says, its status included, outside
   * the server-set metadata (see {@link #carries}).
   */
  public static boolean carriesAll(KubernetesObject stored, KubernetesObject ephemeral) {
    JsonObject eph = tree(ephemeral);
    JsonObject meta = eph.getAsJsonObject("metadata");
    if (meta != null) {
      for (String f :
          new String[] {
            "resourceVersion", "generation", "uid", "creationTimestamp", "managedFields"
          }) {
        meta.remove(f);
      }
    }
    JsonObject cur = tree(stored);
    return JsonTrees.applyPatch(cur.deepCopy(), eph).equals(cur);
  }

  private static JsonObject tree(KubernetesObject o) {
    return JsonParser.parseString(JSON.serialize(o)).getAsJsonObject();
  }
}
