package io.kubedirect.runtime.client;

import io.kubedirect.api.WriteResult;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubernetes.client.common.KubernetesListObject;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.CoreV1Event;
import io.kubernetes.client.openapi.models.V1EventSource;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ObjectReference;
import io.kubernetes.client.openapi.models.V1Preconditions;
import io.kubernetes.client.openapi.models.V1Status;
import io.kubernetes.client.openapi.models.V1StatusCause;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.kubernetes.client.util.generic.KubernetesApiResponse;
import io.kubernetes.client.util.generic.options.DeleteOptions;
import io.kubernetes.client.util.generic.options.ListOptions;
import java.io.IOException;
import java.lang.reflect.Type;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PersistedObjectApi} on the API Server through client-java's {@link GenericKubernetesApi},
 * one per kind. Maps HTTP answers to {@link WriteResult.Status}: 409 on create = ALREADY_EXISTS,
 * 409 otherwise = CONFLICT, 404 = NOT_FOUND, 429/5xx/transport errors = RETRYABLE_FAILURE, other
 * 4xx = FAILED.
 */
public final class ClientJavaObjectApi implements PersistedObjectApi {

  private static final Logger log = LoggerFactory.getLogger(ClientJavaObjectApi.class);

  private final ApiClient apiClient;
  private final Map<String, GenericKubernetesApi<KubernetesObject, KubernetesListObject>> apis =
      new ConcurrentHashMap<>();
  private volatile SendOnce sendOnce;

  /** Creates the adapter. */
  public ClientJavaObjectApi(ApiClient apiClient) {
    this.apiClient = apiClient;
  }

  /** The generic API of a registered kind. */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public GenericKubernetesApi<KubernetesObject, KubernetesListObject> apiFor(String kind) {
    return apis.computeIfAbsent(
        kind,
        k -> {
          Class<? extends KubernetesObject> type = Kinds.classOf(k);
          Class<?> listType;
          try {
            listType = Class.forName(type.getName() + "List");
          } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("no list class for " + type.getName(), e);
          }
          String apiVersion = Kinds.apiVersion(k);
          int slash = apiVersion.indexOf('/');
          String group = slash < 0 ? "" : apiVersion.substring(0, slash);
          String version = slash < 0 ? apiVersion : apiVersion.substring(slash + 1);
          return new GenericKubernetesApi(
              type, listType, group, version, plural(Kinds.kindName(k)), apiClient);
        });
  }

  /**
   * The lower-case plural resource name of a Kind (Pod → pods, Policy → policies, Endpoints →
   * endpoints).
   */
  static String plural(String kindName) {
    String s = kindName.toLowerCase(Locale.ROOT);
    if (s.endsWith("s")) {
      return s.endsWith("ss") ? s + "es" : s;
    }
    if (s.endsWith("y") && !s.endsWith("ay") && !s.endsWith("ey")) {
      return s.substring(0, s.length() - 1) + "ies";
    }
    return s + "s";
  }

  /**
   * Creates through a POST that is sent once: a create whose answer was lost is reported as {@code
   * RETRYABLE_FAILURE}, and the write-back queue resolves it through the feed (its ambiguous-create
   * barrier). OkHttp's own silent resend on a connection failure ({@code retryOnConnectionFailure})
   * is off for these POSTs: it re-created pods that the garbage collector had deleted between the
   * first POST and the resend (fault matrix, partition x owner-delete: a name stored twice).
   */
  @Override
  public WriteResult create(String kind, KubernetesObject object) {
    ObjectSupport.normalizeForApi(object);
    String namespace = object.getMetadata() == null ? null : object.getMetadata().getNamespace();
    return post(collectionPath(kind, namespace), object, true, Kinds.classOf(kind));
  }

  @Override
  public WriteResult update(String kind, KubernetesObject object) {
    ObjectSupport.normalizeForApi(object);
    return call(false, () -> apiFor(kind).update(object));
  }

  @Override
  public WriteResult updateStatus(String kind, KubernetesObject object) {
    return call(false, () -> apiFor(kind).updateStatus(object, ObjectSupport::status));
  }

  @Override
  public WriteResult delete(String kind, String namespace, String name, String uid) {
    DeleteOptions options = new DeleteOptions();
    if (uid != null) {
      options.setPreconditions(new V1Preconditions().uid(uid));
    }
    return call(
        false,
        () ->
            namespace == null || namespace.isEmpty()
                ? apiFor(kind).delete(name, options)
                : apiFor(kind).delete(namespace, name, options));
  }

  @Override
  public void recordEvent(
      String namespace, V1ObjectReference involved, String type, String reason, String message) {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    CoreV1Event event =
        new CoreV1Event()
            .metadata(
                new V1ObjectMeta().generateName(involved.getName() + ".").namespace(namespace))
            .involvedObject(involved)
            .type(type)
            .reason(reason)
            .message(message.length() > 1024 ? message.substring(0, 1024) : message)
            .source(new V1EventSource().component("kubedirect"))
            .firstTimestamp(now)
            .lastTimestamp(now)
            .count(1);
    try {
      new CoreV1Api(apiClient).createNamespacedEvent(namespace, event).execute();
    } catch (ApiException | RuntimeException e) {
      log.debug(
          "cannot record event {} on {}/{}: {}",
          reason,
          namespace,
          involved.getName(),
          e.toString());
    }
  }

  @Override
  public Optional<KubernetesObject> get(String kind, String namespace, String name) {
    KubernetesApiResponse<KubernetesObject> r =
        namespace == null || namespace.isEmpty()
            ? apiFor(kind).get(name)
            : apiFor(kind).get(namespace, name);
    return r.isSuccess() ? Optional.ofNullable(r.getObject()) : Optional.empty();
  }

  /**
   * The {@code metadata.resourceVersion} of a list of {@code kind} over all namespaces with {@code
   * limit=1}: such a list (no resourceVersion given) is a consistent read, so its resourceVersion
   * is the store's current revision. Empty if the list fails or the resourceVersion is not a
   * number.
   */
  @Override
  public OptionalLong currentRevision(String kind) {
    KubernetesApiResponse<KubernetesListObject> r;
    try {
      ListOptions options = new ListOptions();
      options.setLimit(1);
      r = apiFor(kind).list(options);
    } catch (RuntimeException e) {
      return OptionalLong.empty();
    }
    if (!r.isSuccess() || r.getObject() == null || r.getObject().getMetadata() == null) {
      return OptionalLong.empty();
    }
    try {
      return OptionalLong.of(Long.parseLong(r.getObject().getMetadata().getResourceVersion()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /**
   * POSTs {@code body} to {@code <object path>/<subresource>} (e.g. a pod's binding), sent once
   * like a create. Only the answer's code is read: the API Server answers a binding with a Status,
   * not the object.
   */
  @Override
  public WriteResult createSubresource(
      String kind, String namespace, String name, String subresource, KubernetesObject body) {
    String path =
        collectionPath(kind, namespace) + "/" + apiClient.escapeString(name) + "/" + subresource;
    return post(path, body, false, null);
  }

  /** {@code /api/v1/namespaces/<ns>/pods} and the like (no namespace segment when it is empty). */
  private String collectionPath(String kind, String namespace) {
    String apiVersion = Kinds.apiVersion(kind);
    String prefix = apiVersion.contains("/") ? "/apis/" + apiVersion : "/api/" + apiVersion;
    return prefix
        + (namespace == null || namespace.isEmpty()
            ? ""
            : "/namespaces/" + apiClient.escapeString(namespace))
        + "/"
        + plural(Kinds.kindName(kind));
  }

  /**
   * One POST of {@code body} to {@code path} through {@link #sendOnceClient()}; the answer parsed
   * into {@code resultType}, or not at all when it is null.
   */
  private WriteResult post(String path, Object body, boolean create, Type resultType) {
    Map<String, String> headers = new HashMap<>();
    headers.put("Accept", "application/json");
    headers.put("Content-Type", "application/json");
    try {
      Request request =
          apiClient.buildRequest(
              null,
              path,
              "POST",
              new ArrayList<>(),
              new ArrayList<>(),
              body,
              headers,
              new HashMap<>(),
              new HashMap<>(),
              new String[] {"BearerToken"},
              null);
      try (Response response = sendOnceClient().newCall(request).execute()) {
        String text = response.body() == null ? "" : response.body().string();
        if (response.isSuccessful()) {
          KubernetesObject stored =
              resultType == null ? null : apiClient.getJSON().deserialize(text, resultType);
          return WriteResult.ok(stored);
        }
        V1Status status = null;
        try {
          status = apiClient.getJSON().deserialize(text, V1Status.class);
        } catch (RuntimeException notAStatus) {
          // keep the code only
        }
        String msg =
            (status != null && status.getMessage() != null
                    ? status.getMessage()
                    : "HTTP " + response.code())
                + " (POST "
                + path
                + ")";
        return WriteResult.of(classify(create, response.code(), status), msg);
      }
    } catch (ApiException | IOException | RuntimeException e) {
      return WriteResult.of(WriteResult.Status.RETRYABLE_FAILURE, e.toString());
    }
  }

  /**
   * The caller's HTTP client without OkHttp's silent resend after a connection failure (same
   * connection pool, dispatcher and interceptors); rebuilt if the caller replaces its client.
   */
  private OkHttpClient sendOnceClient() {
    OkHttpClient base = apiClient.getHttpClient();
    SendOnce c = sendOnce;
    if (c == null || c.base() != base) {
      c = new SendOnce(base, base.newBuilder().retryOnConnectionFailure(false).build());
      sendOnce = c;
    }
    return c.client();
  }

  private record SendOnce(OkHttpClient base, OkHttpClient client) {}

  private static WriteResult call(
      boolean create, Supplier<KubernetesApiResponse<KubernetesObject>> call) {
    KubernetesApiResponse<KubernetesObject> r;
    try {
      r = call.get();
    } catch (RuntimeException e) {
      return WriteResult.of(WriteResult.Status.RETRYABLE_FAILURE, e.toString());
    }
    if (r.isSuccess()) {
      return WriteResult.ok(r.getObject());
    }
    int code = r.getHttpStatusCode();
    String msg = r.getStatus() != null ? r.getStatus().getMessage() : "HTTP " + code;
    return WriteResult.of(classify(create, code, r.getStatus()), msg);
  }

  /**
   * Classifies an HTTP answer the way Kubernetes' controllers treat it: 409 on create =
   * ALREADY_EXISTS, other 409 = CONFLICT (a failed resourceVersion or uid precondition), 404 =
   * NOT_FOUND, 429/5xx/no answer = RETRYABLE_FAILURE; a 403 for an exceeded quota or a terminating
   * namespace is transient too (quota frees up; the namespace's deletion may be aborted), as the
   * stock controllers retry them; other 4xx = FAILED.
   */
  static WriteResult.Status classify(boolean create, int code, V1Status status) {
    String reason = status == null ? null : status.getReason();
    String message = status == null || status.getMessage() == null ? "" : status.getMessage();
    if (code == 409) {
      return create || "AlreadyExists".equals(reason)
          ? WriteResult.Status.ALREADY_EXISTS
          : WriteResult.Status.CONFLICT;
    }
    if (code == 404) {
      return WriteResult.Status.NOT_FOUND;
    }
    if (code == 429 || code >= 500 || code == 0) {
      return WriteResult.Status.RETRYABLE_FAILURE;
    }
    if (code == 403 && (message.contains("exceeded quota") || namespaceTerminating(status))) {
      return WriteResult.Status.RETRYABLE_FAILURE;
    }
    return WriteResult.Status.FAILED;
  }

  private static boolean namespaceTerminating(V1Status status) {
    if (status.getDetails() != null && status.getDetails().getCauses() != null) {
      for (V1StatusCause c : status.getDetails().getCauses()) {
        if ("NamespaceTerminating".equals(c.getReason())) {
          return true;
        }
      }
    }
    String m = status.getMessage();
    return m != null && m.contains("because it is being terminated");
  }
}
