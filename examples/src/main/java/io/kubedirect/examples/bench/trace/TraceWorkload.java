package io.kubedirect.examples.bench.trace;

import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.http.HttpResponses;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.config.RevisionAutoscaling;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1Service;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.core.ConditionTimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replays a {@link Trace} open-loop against a running chain: declares the trace's functions at
 * zero, waits until the chain has picked them up, sends every invocation at its scheduled time
 * through the chain's activator regardless of earlier answers (at most {@link
 * Options#maxInFlight()} at once), records each request, and deletes the functions again.
 *
 * <p>A function is declared as a user declares it ({@link Workloads#function}): a Deployment at 0
 * replicas labelled {@code faas.kubedirect.io/function=<name>}, its pod template annotated with the
 * function's service time ({@link SandboxSpec#SERVICE_TIME_ANNOTATION} = its execution time), its
 * container concurrency and the Knative autoscaling settings of {@link Options}. For variants whose
 * name starts with {@code k8s} (stock kube-controller-manager) the Deployment does not carry the
 * example controller's label and each function also gets its Service (the activator reads its
 * EndpointSlices); every other variant (plain, direct, in one JVM or as processes) runs the example
 * deployment stage. All objects carry {@link #TRACE_LABEL} so {@link #run} can delete them.
 */
public final class TraceWorkload {

  private static final Logger log = LoggerFactory.getLogger(TraceWorkload.class);

  /** Label on every object the workload creates (value: the trace's name). */
  public static final String TRACE_LABEL = "faas.kubedirect.io/trace";

  /**
   * A chain that is already running.
   *
   * @param variant the variant's name ({@code plain}, {@code direct}, {@code k8s}, {@code
   *     k8s-tuned}, ...); names starting with {@code k8s} mean stock controllers
   * @param api a client of the chain's API Server
   * @param namespace where to declare the functions (must exist; the functions must not)
   * @param activator the activator's base URI, e.g. {@code http://127.0.0.1:8080}
   */
  public record Target(String variant, ApiClient api, String namespace, URI activator) {
    /** Checks the fields. */
    public Target {
      Objects.requireNonNull(variant, "variant");
      Objects.requireNonNull(api, "api");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(activator, "activator");
      if (!"http".equals(activator.getScheme()) || activator.getHost() == null) {
        throw new IllegalArgumentException(
            "activator must be an http://host:port URI, got " + activator);
      }
    }

    /** True if stock controllers run the Deployments (variant names starting with k8s). */
    public boolean stockControllers() {
      return variant.startsWith("k8s");
    }
  }

  /**
   * How the functions are declared and the trace is replayed.
   *
   * @param containerConcurrency requests one sandbox runs at once (also the autoscaling target)
   * @param maxScale most pods per function ({@code autoscaling.knative.dev/max-scale})
   * @param window the autoscaler's stable window per function ({@code
   *     autoscaling.knative.dev/window}, Knative's minimum is 6s)
   * @param maxInFlight most requests outstanding at once (later sends wait: their send lag shows)
   * @param requestTimeout a request not answered within it counts as failed
   * @param declareTimeout how long the chain may take to pick up the declared functions
   * @param cleanupTimeout how long to wait for the functions' pods to be gone after the run
   * @param leadIn time between the end of the declaration and the trace's time zero
   */
  public record Options(
      int containerConcurrency,
      int maxScale,
      String window,
      int maxInFlight,
      Duration requestTimeout,
      Duration declareTimeout,
      Duration cleanupTimeout,
      Duration leadIn) {

    /** Checks the values. */
    public Options {
      if (containerConcurrency < 1 || maxScale < 1 || maxInFlight < 1) {
        throw new IllegalArgumentException(
            "containerConcurrency, maxScale and maxInFlight must be >= 1");
      }
      Objects.requireNonNull(window, "window");
      for (Duration d : List.of(requestTimeout, declareTimeout, cleanupTimeout)) {
        if (d.isNegative() || d.isZero()) {
          throw new IllegalArgumentException("timeouts must be positive, got " + d);
        }
      }
      if (leadIn.isNegative()) {
        throw new IllegalArgumentException("leadIn must not be negative");
      }
    }

    /**
     * Container concurrency 1, max-scale 10, a 6 s window, 1,000 in flight, 90 s request timeout
     * (above the activator's 60 s queue timeout), 120 s to declare and to clean up, 2 s lead-in.
     */
    public static Options defaults() {
      return new Options(
          1,
          10,
          "6s",
          1_000,
          Duration.ofSeconds(90),
          Duration.ofSeconds(120),
          Duration.ofSeconds(120),
          Duration.ofSeconds(2));
    }
  }

  private final Trace trace;
  private final Options options;

  /** A workload replaying {@code trace} with {@code options}. */
  public TraceWorkload(Trace trace, Options options) {
    this.trace = Objects.requireNonNull(trace, "trace");
    this.options = Objects.requireNonNull(options, "options");
  }

  /** A workload replaying {@code trace} with {@link Options#defaults()}. */
  public TraceWorkload(Trace trace) {
    this(trace, Options.defaults());
  }

  /** The trace this workload replays. */
  public Trace trace() {
    return trace;
  }

  /**
   * Declares the functions, replays the trace and deletes the functions again.
   *
   * @throws IllegalStateException if the functions cannot be declared (e.g. they exist already) or
   *     the chain does not pick them up within {@link Options#declareTimeout()}
   * @throws InterruptedException if interrupted (the functions are deleted first)
   */
  public TraceResult run(Target target) throws InterruptedException {
    AppsV1Api apps = new AppsV1Api(target.api());
    CoreV1Api core = new CoreV1Api(target.api());
    List<String> notes = new ArrayList<>();
    Instant started;
    List<TraceResult.Request> requests;
    try {
      declare(target, apps, core);
      awaitPickedUp(target, apps);
      log.info(
          "{}: replaying trace {} ({} functions, {} invocations, {} min)",
          target.variant(),
          trace.spec().name(),
          trace.functions().size(),
          trace.invocations().size(),
          trace.spec().minutes());
      started = Instant.now();
      requests = replay(target);
    } finally {
      cleanUp(target, apps, core, notes);
    }
    return new TraceResult(target.variant(), trace.spec(), started.toString(), requests, notes);
  }

  private void label(V1ObjectMeta meta) {
    Map<String, String> labels =
        new HashMap<>(meta.getLabels() == null ? Map.of() : meta.getLabels());
    labels.put(TRACE_LABEL, trace.spec().name());
    meta.setLabels(labels);
  }

  private String selector() {
    return TRACE_LABEL + "=" + trace.spec().name();
  }

  private void declare(Target target, AppsV1Api apps, CoreV1Api core) {
    boolean stock = target.stockControllers();
    int port = stock ? ThreadLocalRandom.current().nextInt(20_000, 32_000) : 8080;
    for (Trace.Function fn : trace.functions()) {
      Map<String, String> annotations = new HashMap<>();
      annotations.put(SandboxSpec.SERVICE_TIME_ANNOTATION, Integer.toString(fn.executionMs()));
      annotations.put(
          SandboxSpec.CONTAINER_CONCURRENCY_ANNOTATION,
          Integer.toString(options.containerConcurrency()));
      annotations.put(RevisionAutoscaling.TARGET, Integer.toString(options.containerConcurrency()));
      annotations.put(RevisionAutoscaling.TARGET_UTILIZATION_PERCENTAGE, "100");
      annotations.put(RevisionAutoscaling.WINDOW, options.window());
      annotations.put(RevisionAutoscaling.MAX_SCALE, Integer.toString(options.maxScale()));
      V1Deployment d =
          Workloads.function(target.namespace(), fn.name(), 0, port, annotations, !stock);
      label(d.getMetadata());
      label(d.getSpec().getTemplate().getMetadata());
      try {
        if (stock) {
          V1Service s = Workloads.functionService(target.namespace(), fn.name());
          label(s.getMetadata());
          core.createNamespacedService(target.namespace(), s).execute();
        }
        apps.createNamespacedDeployment(target.namespace(), d).execute();
      } catch (ApiException e) {
        throw new IllegalStateException(
            "cannot declare function "
                + target.namespace()
                + "/"
                + fn.name()
                + ": HTTP "
                + e.getCode()
                + (e.getCode() == 409 ? " (it exists already: use a fresh namespace)" : "")
                + " "
                + e.getResponseBody(),
            e);
      }
    }
  }

  /**
   * Waits until every function's Deployment is observed (status.observedGeneration) and owns a
   * ReplicaSet: the chain's deployment stage has seen it, and the activator knows it.
   */
  private void awaitPickedUp(Target target, AppsV1Api apps) {
    Set<String> missing = ConcurrentHashMap.newKeySet();
    trace.functions().forEach(f -> missing.add(f.name()));
    try {
      await()
          .atMost(options.declareTimeout())
          .pollInterval(Duration.ofMillis(200))
          .ignoreExceptionsInstanceOf(ApiException.class)
          .until(
              () -> {
                missing.removeAll(pickedUp(target, apps));
                return missing.isEmpty();
              });
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException(
          "the chain did not pick up "
              + missing.size()
              + " of "
              + trace.functions().size()
              + " functions within "
              + options.declareTimeout().toSeconds()
              + " s (no observed Deployment or no ReplicaSet), e.g. "
              + new TreeSet<>(missing).first());
    }
  }

  /** Functions whose Deployment is observed and owns a ReplicaSet. */
  private Set<String> pickedUp(Target target, AppsV1Api apps) throws ApiException {
    Set<String> withReplicaSet = new HashSet<>();
    for (V1ReplicaSet rs :
        apps.listNamespacedReplicaSet(target.namespace())
            .labelSelector(selector())
            .execute()
            .getItems()) {
      for (V1OwnerReference o : orEmpty(rs.getMetadata().getOwnerReferences())) {
        if ("Deployment".equals(o.getKind())) {
          withReplicaSet.add(o.getName());
        }
      }
    }
    Set<String> out = new HashSet<>();
    for (V1Deployment d :
        apps.listNamespacedDeployment(target.namespace())
            .labelSelector(selector())
            .execute()
            .getItems()) {
      Long observed = d.getStatus() == null ? null : d.getStatus().getObservedGeneration();
      String name = d.getMetadata().getName();
      if (observed != null
          && observed >= d.getMetadata().getGeneration()
          && withReplicaSet.contains(name)) {
        out.add(name);
      }
    }
    return out;
  }

  private static <T> List<T> orEmpty(List<T> l) {
    return l == null ? List.of() : l;
  }

  private List<TraceResult.Request> replay(Target target) throws InterruptedException {
    List<Trace.Invocation> invocations = trace.invocations();
    int n = invocations.size();
    TraceResult.Request[] records = new TraceResult.Request[n];
    Semaphore inFlight = new Semaphore(options.maxInFlight());
    CountDownLatch done = new CountDownLatch(n);
    AtomicInteger answered = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    ExecutorService callbacks = Executors.newFixedThreadPool(2, daemon("trace-http"));
    HttpClient http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .executor(callbacks)
            .build();
    String base = target.activator().toString().replaceAll("/+$", "");
    long t0 = System.nanoTime() + options.leadIn().toNanos();
    long nextLog = t0 + TimeUnit.SECONDS.toNanos(10);
    try {
      for (int i = 0; i < n; i++) {
        Trace.Invocation inv = invocations.get(i);
        long due = t0 + TimeUnit.MILLISECONDS.toNanos(inv.atMs());
        for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
          LockSupport.parkNanos(wait); // open loop: each request leaves at its scheduled time
        }
        inFlight.acquire();
        String id = trace.spec().name() + "-" + i;
        HttpRequest request =
            HttpRequest.newBuilder(
                    URI.create(base + "/fn/" + target.namespace() + "/" + inv.function()))
                .timeout(options.requestTimeout())
                .POST(HttpRequest.BodyPublishers.ofString(id))
                .build();
        long sent = System.nanoTime();
        int index = i;
        http.sendAsync(request, HttpResponse.BodyHandlers.ofString())
            .whenComplete(
                (response, error) -> {
                  TraceResult.Request r =
                      record(inv, id, t0, sent, System.nanoTime(), response, error);
                  records[index] = r;
                  (r.ok() ? answered : failed).incrementAndGet();
                  inFlight.release();
                  done.countDown();
                });
        if (System.nanoTime() > nextLog) {
          nextLog += TimeUnit.SECONDS.toNanos(10);
          log.info(
              "{}: {} of {} sent, {} answered, {} failed",
              target.variant(),
              i + 1,
              n,
              answered.get(),
              failed.get());
        }
      }
      if (!done.await(options.requestTimeout().toSeconds() + 30, TimeUnit.SECONDS)) {
        log.warn(
            "{}: {} requests still unanswered past their timeout",
            target.variant(),
            done.getCount());
      }
    } finally {
      callbacks.shutdownNow();
    }
    List<TraceResult.Request> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TraceResult.Request r = records[i];
      if (r == null) {
        Trace.Invocation inv = invocations.get(i);
        r =
            new TraceResult.Request(
                inv.function(),
                inv.atMs(),
                -1,
                -1,
                -1,
                inv.executionMs(),
                false,
                null,
                "no answer");
      }
      out.add(r);
    }
    log.info(
        "{}: replay done: {} answered, {} failed", target.variant(), answered.get(), failed.get());
    return out;
  }

  private static TraceResult.Request record(
      Trace.Invocation inv,
      String id,
      long t0,
      long sent,
      long answeredAt,
      HttpResponse<String> response,
      Throwable error) {
    double sentMs = (sent - t0) / 1e6;
    double answeredMs = (answeredAt - t0) / 1e6;
    if (error != null) {
      Throwable cause =
          error instanceof CompletionException && error.getCause() != null
              ? error.getCause()
              : error;
      String what =
          cause instanceof HttpTimeoutException
              ? "timeout"
              : cause.getClass().getSimpleName() + ": " + cause.getMessage();
      return new TraceResult.Request(
          inv.function(), inv.atMs(), sentMs, answeredMs, -1, inv.executionMs(), false, null, what);
    }
    boolean cold = response.headers().firstValue(HttpResponses.COLD_START_HEADER).isPresent();
    String pod = response.headers().firstValue(HttpResponses.POD_HEADER).orElse(null);
    String problem = null;
    if (response.statusCode() / 100 == 2 && !id.equals(response.body())) {
      problem = "wrong body: expected " + id;
    } else if (response.statusCode() / 100 != 2) {
      problem = response.body() == null ? null : response.body().strip();
    }
    return new TraceResult.Request(
        inv.function(),
        inv.atMs(),
        sentMs,
        answeredMs,
        response.statusCode(),
        inv.executionMs(),
        cold,
        pod,
        problem);
  }

  private void cleanUp(Target target, AppsV1Api apps, CoreV1Api core, List<String> notes) {
    String ns = target.namespace();
    String sel = selector();
    try {
      apps.deleteCollectionNamespacedDeployment(ns).labelSelector(sel).execute();
      for (V1Service s : core.listNamespacedService(ns).labelSelector(sel).execute().getItems()) {
        core.deleteNamespacedService(s.getMetadata().getName(), ns).execute();
      }
      apps.deleteCollectionNamespacedReplicaSet(ns).labelSelector(sel).execute();
      core.deleteCollectionNamespacedPod(ns).labelSelector(sel).gracePeriodSeconds(0).execute();
    } catch (ApiException e) {
      notes.add("clean-up failed: HTTP " + e.getCode() + " " + e.getResponseBody());
      log.warn(
          "{}: clean-up failed: HTTP {} {}", target.variant(), e.getCode(), e.getResponseBody());
      return;
    }
    AtomicInteger left = new AtomicInteger(-1);
    try {
      await()
          .atMost(options.cleanupTimeout())
          .pollInterval(Duration.ofMillis(250))
          .ignoreExceptionsInstanceOf(ApiException.class)
          .until(
              () -> {
                left.set(core.listNamespacedPod(ns).labelSelector(sel).execute().getItems().size());
                return left.get() == 0;
              });
    } catch (ConditionTimeoutException e) {
      notes.add(
          left.get()
              + " pods of the trace still existed "
              + options.cleanupTimeout().toSeconds()
              + " s after the clean-up");
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    AtomicInteger count = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
