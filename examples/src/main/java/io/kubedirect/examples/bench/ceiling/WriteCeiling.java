package io.kubedirect.examples.bench.ceiling;

import io.kubedirect.examples.bench.ceiling.CeilingOptions.ContentType;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.StatusWrite;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import okhttp3.Call;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Measures the write ceiling of the local API Server for what the kubedirect tail writes back: a
 * pod created bound to a node, then its status set Ready. For every combination of content type
 * (JSON, protobuf), status write (JSON patch, PUT) and concurrency it creates {@code --pods} pods
 * with that many concurrent writers on one fresh embedded control plane (etcd + kube-apiserver; no
 * controllers), each combination in its own namespace, and prints writes/s per combination. The
 * client shares the machine with the API Server, as the slice's clients do.
 *
 * <pre>
 * java ... io.kubedirect.examples.bench.ceiling.WriteCeiling --pods 1000 --concurrency 1,4,16,64
 * </pre>
 */
public final class WriteCeiling {

  private static final Logger log = LoggerFactory.getLogger(WriteCeiling.class);

  /**
   * protobuf-java warns on stderr (java.util.logging), once per message type, that client-java's
   * generated protobuf classes predate protobuf 22; held here so the quieter level sticks.
   */
  private static final java.util.logging.Logger PROTOBUF_GENCODE_WARNINGS =
      java.util.logging.Logger.getLogger("com.google.protobuf.GeneratedMessage");

  private WriteCeiling() {}

  /**
   * Runs the sweep; see {@link CeilingOptions#USAGE}. Exit code 0 only if every write succeeded.
   */
  public static void main(String[] args) {
    if (List.of(args).contains("--help") || List.of(args).contains("-h")) {
      System.out.println(CeilingOptions.USAGE);
      return;
    }
    PROTOBUF_GENCODE_WARNINGS.setLevel(java.util.logging.Level.SEVERE);
    CeilingOptions options;
    try {
      options = CeilingOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.println(CeilingOptions.USAGE);
      System.exit(2);
      return;
    }
    String startedAt = Instant.now().toString();
    List<CeilingResult> results;
    try {
      results = run(options);
    } catch (Exception e) {
      log.error("write ceiling failed", e);
      System.err.println("write ceiling failed: " + e);
      System.exit(1);
      return;
    }
    System.out.print(CeilingReport.table(results));
    try {
      Path out = options.out().toAbsolutePath();
      if (out.getParent() != null) {
        Files.createDirectories(out.getParent());
      }
      Files.writeString(out, CeilingReport.json(options, results, startedAt));
      System.out.println("JSON result: " + out);
    } catch (IOException e) {
      System.out.println("Could not write the JSON result: " + e.getMessage());
    }
    System.exit(results.stream().allMatch(CeilingResult::ok) ? 0 : 1);
  }

  /** Starts a control plane and runs every combination of {@code o} on it. */
  public static List<CeilingResult> run(CeilingOptions o) throws Exception {
    System.err.println("starting a fresh control plane (etcd + kube-apiserver)");
    try (LocalControlPlane cp = LocalControlPlane.builder().start()) {
      ApiClient api = cp.apiClient();
      System.err.println("client protocol to the API Server: " + protocol(api));
      List<Call> watches = openWatches(cp, o.watchers());
      try {
        AtomicInteger namespaces = new AtomicInteger();
        if (o.warmupPods() > 0) {
          for (ContentType type : o.contentTypes()) {
            System.err.println("warm-up: " + o.warmupPods() + " pods, " + type.flag());
            combination(api, namespaces, type, StatusWrite.PATCH, 8, o.warmupPods());
          }
        }
        List<CeilingResult> results = new ArrayList<>();
        for (int c : o.concurrency()) {
          for (StatusWrite status : o.statusWrites()) {
            for (ContentType type : o.contentTypes()) {
              if (type == ContentType.WRITE_BACK && status != StatusWrite.PATCH) {
                continue; // the write-back always patches the status
              }
              System.err.printf(
                  "%s, status %s, %d writers: %d pods%n", type.flag(), status.flag(), c, o.pods());
              CeilingResult r = combination(api, namespaces, type, status, c, o.pods());
              log.info(
                  "{} {} x{}: {} writes/s{}",
                  type.flag(),
                  status.flag(),
                  c,
                  Math.round(r.writesPerSecond()),
                  r.ok() ? "" : " FAILED " + r.error());
              results.add(r);
            }
          }
        }
        return results;
      } finally {
        watches.forEach(Call::cancel);
      }
    }
  }

  /**
   * Writes {@code pods} pods with {@code writers} threads into a new namespace, {@code ceiling-<n>}
   * with {@code n} the next value of {@code namespaces}.
   */
  public static CeilingResult combination(
      ApiClient api,
      AtomicInteger namespaces,
      ContentType type,
      StatusWrite status,
      int writers,
      int pods)
      throws ApiException, InterruptedException {
    String ns = "ceiling-" + namespaces.incrementAndGet();
    new CoreV1Api(api)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
        .execute();
    PodWriter writer =
        type == ContentType.WRITE_BACK
            ? new PodWriter.WriteBack(api, ns, writers)
            : PodWriter.of(type, api, ns, status);
    long[] create = new long[pods];
    long[] statusNanos = new long[pods];
    AtomicInteger next = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    AtomicReference<String> error = new AtomicReference<>();
    double loadBefore = loadAverage();
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    long t0 = System.nanoTime();
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int w = 0; w < writers; w++) {
        fs.add(
            pool.submit(
                () -> {
                  long[] nanos = new long[2];
                  for (int i = next.getAndIncrement();
                      i < pods && error.get() == null;
                      i = next.getAndIncrement()) {
                    try {
                      writer.write(i, nanos);
                      create[i] = nanos[0];
                      statusNanos[i] = nanos[1];
                      done.incrementAndGet();
                    } catch (PodWriter.WriteFailure e) {
                      error.compareAndSet(null, e.getMessage());
                    }
                  }
                }));
      }
      for (Future<?> f : fs) {
        try {
          f.get();
        } catch (java.util.concurrent.ExecutionException e) {
          error.compareAndSet(null, String.valueOf(e.getCause()));
        }
      }
    } finally {
      pool.shutdownNow();
    }
    long elapsed = System.nanoTime() - t0;
    writer.close();
    int written = done.get();
    long[] c = java.util.Arrays.copyOf(create, error.get() == null ? pods : 0);
    long[] s = java.util.Arrays.copyOf(statusNanos, error.get() == null ? pods : 0);
    return new CeilingResult(
        type,
        status,
        writers,
        written,
        elapsed,
        CeilingResult.percentilesMillis(c),
        CeilingResult.percentilesMillis(s),
        loadBefore,
        loadAverage(),
        error.get());
  }

  /**
   * Opens {@code n} watches of all pods (JSON, as informers watch) whose events are read and
   * dropped, so that each write is fanned out as in a running slice.
   */
  private static List<Call> openWatches(LocalControlPlane cp, int n) {
    List<Call> calls = new ArrayList<>();
    if (n == 0) {
      return calls;
    }
    ApiClient watchClient = cp.newApiClient(Duration.ZERO);
    for (int i = 0; i < n; i++) {
      try {
        Call call =
            watchClient.buildCall(
                null,
                "/api/v1/pods",
                "GET",
                List.of(new io.kubernetes.client.openapi.Pair("watch", "true")),
                new ArrayList<>(),
                null,
                new HashMap<>(java.util.Map.of("Accept", "application/json")),
                new HashMap<>(),
                new HashMap<>(),
                new String[] {"BearerToken"},
                null);
        calls.add(call);
        Thread t =
            new Thread(
                () -> {
                  try (var r = call.execute();
                      InputStream in = r.body().byteStream()) {
                    byte[] buf = new byte[64 * 1024];
                    while (in.read(buf) >= 0) {
                      // dropped: only the API Server's fan-out matters
                    }
                  } catch (IOException e) {
                    log.debug("watch {} ended: {}", call.request().url(), e.toString());
                  }
                },
                "ceiling-watch-" + i);
        t.setDaemon(true);
        t.start();
      } catch (ApiException e) {
        throw new IllegalStateException("cannot open a pod watch: " + e.getMessage(), e);
      }
    }
    return calls;
  }

  /** The HTTP protocol the client negotiates with the API Server (h2 over TLS with ALPN). */
  static String protocol(ApiClient api) {
    try (var r =
        api.buildCall(
                null,
                "/version",
                "GET",
                new ArrayList<>(),
                new ArrayList<>(),
                null,
                new HashMap<>(java.util.Map.of("Accept", "application/json")),
                new HashMap<>(),
                new HashMap<>(),
                new String[] {"BearerToken"},
                null)
            .execute()) {
      return r.protocol().toString();
    } catch (ApiException | IOException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  private static double loadAverage() {
    try {
      return CeilingReport.loadAverage(Files.readString(Path.of("/proc/loadavg")));
    } catch (IOException e) {
      return -1;
    }
  }
}
