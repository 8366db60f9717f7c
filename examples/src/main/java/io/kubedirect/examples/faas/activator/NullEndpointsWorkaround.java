package io.kubedirect.examples.faas.activator;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.TypeAdapter;
import com.google.gson.TypeAdapterFactory;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonWriter;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1EndpointSlice;
import io.kubernetes.client.openapi.models.V1EndpointSliceList;
import java.io.IOException;

/**
 * Lets client-java read EndpointSlices without endpoints. The API Server sends an EndpointSlice
 * that lists no endpoint (a Service whose pods are all gone, e.g. a function at zero) with {@code
 * "endpoints": null}, and client-java 27's generated model rejects that ("Expected the field
 * `endpoints` to be an array ... but got `null`", kubernetes-client/java#3226 and #4506), which
 * stops an informer from ever syncing. {@link #install()} adds a type adapter to client-java's
 * shared Gson that reads such a slice (alone or in a list) as one with an empty list; everything
 * else is read as before. Idempotent.
 */
final class NullEndpointsWorkaround implements TypeAdapterFactory {

  private static boolean installed;

  private NullEndpointsWorkaround() {}

  /** Installs the adapter into {@link JSON}'s Gson (once per JVM). */
  static synchronized void install() {
    if (!installed) {
      JSON.setGson(
          JSON.getGson()
              .newBuilder()
              .registerTypeAdapterFactory(new NullEndpointsWorkaround())
              .create());
      installed = true;
    }
  }

  @Override
  public <T> TypeAdapter<T> create(Gson gson, TypeToken<T> type) {
    Class<? super T> raw = type.getRawType();
    if (!V1EndpointSlice.class.equals(raw) && !V1EndpointSliceList.class.equals(raw)) {
      return null;
    }
    TypeAdapter<T> model = gson.getDelegateAdapter(this, type);
    TypeAdapter<JsonElement> elements = gson.getAdapter(JsonElement.class);
    boolean list = V1EndpointSliceList.class.equals(raw);
    return new TypeAdapter<T>() {
      @Override
      public void write(JsonWriter out, T value) throws IOException {
        model.write(out, value);
      }

      @Override
      public T read(JsonReader in) throws IOException {
        JsonElement json = elements.read(in);
        if (list
            && json != null
            && json.isJsonObject()
            && json.getAsJsonObject().get("items") instanceof JsonArray items) {
          items.forEach(NullEndpointsWorkaround::emptyIfNull);
        } else {
          emptyIfNull(json);
        }
        return model.fromJsonTree(json);
      }
    };
  }

  private static void emptyIfNull(JsonElement slice) {
    if (slice != null
        && slice.isJsonObject()
        && slice.getAsJsonObject().has("endpoints")
        && slice.getAsJsonObject().get("endpoints").isJsonNull()) {
      slice.getAsJsonObject().add("endpoints", new JsonArray());
    }
  }
}
