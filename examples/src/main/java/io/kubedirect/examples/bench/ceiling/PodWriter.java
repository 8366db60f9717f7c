package io.kubedirect.examples.bench.ceiling;

import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.ContentType;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.StatusWrite;
import io.kubedirect.runtime.client.ClientJavaObjectApi;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubedirect.runtime.internal.metrics.EngineMetrics;
import io.kubedirect.runtime.internal.model.DefaultKindStrategies;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubedirect.runtime.internal.writeback.WriteBackQueue;
import io.kubernetes.client.ProtoClient;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.proto.Meta;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import okhttp3.Response;

/**
 * Writes one pod the way the kubedirect tail does: create it (bound to a node), then set its status
 * Ready. One implementation per content type; thread-safe.
 */
abstract class PodWriter {

  /** The media type of Kubernetes' protobuf encoding. */
  static final String PROTOBUF = "application/vnd.kubernetes.protobuf";

  /** The 4 bytes before every protobuf-encoded Kubernetes object ({@code k8s\0}). */
  static final byte[] PROTOBUF_MAGIC = {0x6b, 0x38, 0x73, 0x00};

  final ApiClient client;
  final String namespace;
  final StatusWrite statusWrite;
  final OffsetDateTime startTime =
      OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);

  PodWriter(ApiClient client, String namespace, StatusWrite statusWrite) {
    this.client = client;
    this.namespace = namespace;
    this.statusWrite = statusWrite;
  }

  static PodWriter of(
      ContentType type, ApiClient client, String namespace, StatusWrite statusWrite) {
    return switch (type) {
      case JSON -> new Json(client, namespace, statusWrite);
      case PROTOBUF -> new Proto(client, namespace, statusWrite);
      case WRITE_BACK -> throw new IllegalArgumentException("use WriteBack: it needs its writers");
    };
  }

  /** Releases what the writer holds; nothing by default. */
  void close() {}

  /** A write the API Server refused, or that did not get an answer. */
  static final class WriteFailure extends Exception {
    WriteFailure(String message) {
      super(message);
    }
  }

  /**
   * Creates pod {@code index} and sets its status; stores each call's duration in {@code nanos[0]}
   * (create) and {@code nanos[1]} (status).
   */
  abstract void write(int index, long[] nanos) throws WriteFailure;

  String podsPath() {
    return "/api/v1/namespaces/" + namespace + "/pods";
  }

  /** client-java's models and Gson. */
  static final class Json extends PodWriter {
    private final CoreV1Api core;

    Json(ApiClient client, String namespace, StatusWrite statusWrite) {
      super(client, namespace, statusWrite);
      this.core = new CoreV1Api(client);
    }

    @Override
    void write(int index, long[] nanos) throws WriteFailure {
      String name = CeilingPods.name(index);
      try {
        long t0 = System.nanoTime();
        V1Pod created =
            core.createNamespacedPod(namespace, CeilingPods.json(namespace, index)).execute();
        long t1 = System.nanoTime();
        var status = CeilingPods.jsonStatus(created, index, startTime);
        if (statusWrite == StatusWrite.PATCH) {
          V1Patch patch = new V1Patch(CeilingPods.statusPatch(status));
          PatchUtils.patch(
              V1Pod.class,
              () -> core.patchNamespacedPodStatus(name, namespace, patch).buildCall(null),
              V1Patch.PATCH_FORMAT_JSON_PATCH,
              client);
        } else {
          created.setStatus(status);
          core.replaceNamespacedPodStatus(name, namespace, created).execute();
        }
        long t2 = System.nanoTime();
        nanos[0] = t1 - t0;
        nanos[1] = t2 - t1;
      } catch (ApiException e) {
        throw new WriteFailure(
            name + ": HTTP " + e.getCode() + " " + firstLine(e.getResponseBody()));
      } catch (RuntimeException e) {
        throw new WriteFailure(name + ": " + e);
      }
    }
  }

  /** client-java's protobuf messages ({@link ProtoClient}). */
  static final class Proto extends PodWriter {
    private final ProtoClient proto;

    Proto(ApiClient client, String namespace, StatusWrite statusWrite) {
      super(client, namespace, statusWrite);
      this.proto = new ProtoClient(client);
    }

    @Override
    void write(int index, long[] nanos) throws WriteFailure {
      String name = CeilingPods.name(index);
      try {
        long t0 = System.nanoTime();
        ProtoClient.ObjectOrStatus<V1.Pod> created =
            proto.create(CeilingPods.proto(namespace, index), podsPath(), "v1", "Pod");
        V1.Pod pod = objectOrFail(name, created);
        long t1 = System.nanoTime();
        if (statusWrite == StatusWrite.PATCH) {
          // A patch body is JSON whatever the content type: the same status as the model.
          var json = CeilingPods.jsonStatus(CeilingPods.json(namespace, index), index, startTime);
          patchStatus(name, new V1Patch(CeilingPods.statusPatch(json)));
        } else {
          objectOrFail(
              name,
              proto.update(
                  pod.toBuilder().setStatus(CeilingPods.protoStatus(pod, index, startTime)).build(),
                  podsPath() + "/" + name + "/status",
                  "v1",
                  "Pod"));
        }
        long t2 = System.nanoTime();
        nanos[0] = t1 - t0;
        nanos[1] = t2 - t1;
      } catch (ApiException | IOException | RuntimeException e) {
        throw new WriteFailure(name + ": " + e);
      }
    }

    /** A JSON patch (patch bodies are always JSON) whose answer is protobuf. */
    private void patchStatus(String name, V1Patch patch)
        throws ApiException, IOException, WriteFailure {
      Map<String, String> headers = new HashMap<>();
      headers.put("Accept", PROTOBUF);
      headers.put("Content-Type", V1Patch.PATCH_FORMAT_JSON_PATCH);
      try (Response r =
          client
              .buildCall(
                  null,
                  podsPath() + "/" + name + "/status",
                  "PATCH",
                  new ArrayList<>(),
                  new ArrayList<>(),
                  patch,
                  headers,
                  new HashMap<>(),
                  new HashMap<>(),
                  new String[] {"BearerToken"},
                  null)
              .execute()) {
        byte[] body = r.body() == null ? new byte[0] : r.body().bytes();
        if (!r.isSuccessful()) {
          throw new WriteFailure(name + ": HTTP " + r.code() + " " + statusMessage(body));
        }
        V1.Pod.parseFrom(unwrap(body));
      }
    }

    private static V1.Pod objectOrFail(String name, ProtoClient.ObjectOrStatus<V1.Pod> r)
        throws WriteFailure {
      if (r.object == null) {
        Meta.Status s = r.status;
        throw new WriteFailure(
            name + ": " + (s == null ? "no answer" : s.getCode() + " " + s.getMessage()));
      }
      return r.object;
    }
  }

  /**
   * kubedirect's write-back queue on client-java ({@code ClientJavaObjectApi}), as a tail stage
   * runs it: one {@code submit} of the pod with its Ready status per pod (create, then status
   * patch), {@code writers} write-back threads. {@code nanos[0]} is the time for both writes.
   */
  static final class WriteBack extends PodWriter {
    private final ExecutorServiceTaskScheduler scheduler;
    private final ExecutorService threads;
    private final WriteBackQueue queue;

    WriteBack(ApiClient client, String namespace, int writers) {
      super(client, namespace, StatusWrite.PATCH);
      this.scheduler = new ExecutorServiceTaskScheduler("ceiling-timers", 1);
      this.threads = Executors.newFixedThreadPool(writers);
      this.queue =
          new WriteBackQueue(
              new ClientJavaObjectApi(client),
              scheduler,
              new EngineMetrics(null, "write-ceiling"),
              Duration.ofMillis(50),
              Duration.ofSeconds(5),
              null,
              Duration.ZERO,
              8,
              DefaultKindStrategies::forKind,
              new WriteBackQueue.Listener() {},
              threads);
    }

    @Override
    void write(int index, long[] nanos) throws WriteFailure {
      String name = CeilingPods.name(index);
      V1Pod pod = CeilingPods.json(namespace, index);
      pod.setStatus(CeilingPods.jsonStatus(pod, index, startTime));
      long t0 = System.nanoTime();
      try {
        queue
            .submit(Kinds.of(V1Pod.class), WriteOp.UPDATE_STATUS, pod, null, WriteBackPolicy.EAGER)
            .join();
      } catch (CompletionException e) {
        throw new WriteFailure(name + ": " + e.getCause());
      }
      nanos[0] = System.nanoTime() - t0;
      nanos[1] = 0;
    }

    @Override
    void close() {
      queue.close();
      threads.shutdownNow();
      scheduler.close();
    }
  }

  /** The raw object inside a protobuf-encoded answer ({@code k8s\0} + runtime.Unknown). */
  static com.google.protobuf.ByteString unwrap(byte[] body) throws IOException {
    if (body.length < PROTOBUF_MAGIC.length
        || !Arrays.equals(Arrays.copyOf(body, PROTOBUF_MAGIC.length), PROTOBUF_MAGIC)) {
      throw new IOException("not a protobuf-encoded Kubernetes object (" + body.length + " bytes)");
    }
    return Runtime.Unknown.parseFrom(Arrays.copyOfRange(body, PROTOBUF_MAGIC.length, body.length))
        .getRaw();
  }

  private static String statusMessage(byte[] body) {
    try {
      return Meta.Status.parseFrom(unwrap(body)).getMessage();
    } catch (IOException e) {
      return firstLine(new String(body, java.nio.charset.StandardCharsets.UTF_8));
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    String line = s.lines().findFirst().orElse("");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
