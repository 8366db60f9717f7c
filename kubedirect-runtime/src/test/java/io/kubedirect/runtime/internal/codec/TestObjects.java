package io.kubedirect.runtime.internal.codec;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Capabilities;
import io.kubernetes.client.openapi.models.V1ConfigMapProjection;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1ContainerPort;
import io.kubernetes.client.openapi.models.V1ContainerState;
import io.kubernetes.client.openapi.models.V1ContainerStateRunning;
import io.kubernetes.client.openapi.models.V1ContainerStatus;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1DeploymentSpec;
import io.kubernetes.client.openapi.models.V1DeploymentStrategy;
import io.kubernetes.client.openapi.models.V1DownwardAPIProjection;
import io.kubernetes.client.openapi.models.V1DownwardAPIVolumeFile;
import io.kubernetes.client.openapi.models.V1EmptyDirVolumeSource;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1EnvVarSource;
import io.kubernetes.client.openapi.models.V1ExecAction;
import io.kubernetes.client.openapi.models.V1HTTPGetAction;
import io.kubernetes.client.openapi.models.V1HTTPHeader;
import io.kubernetes.client.openapi.models.V1KeyToPath;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Lifecycle;
import io.kubernetes.client.openapi.models.V1LifecycleHandler;
import io.kubernetes.client.openapi.models.V1ObjectFieldSelector;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodCondition;
import io.kubernetes.client.openapi.models.V1PodIP;
import io.kubernetes.client.openapi.models.V1PodSecurityContext;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodStatus;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1Probe;
import io.kubernetes.client.openapi.models.V1ProjectedVolumeSource;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import io.kubernetes.client.openapi.models.V1ReplicaSetSpec;
import io.kubernetes.client.openapi.models.V1ReplicaSetStatus;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import io.kubernetes.client.openapi.models.V1SeccompProfile;
import io.kubernetes.client.openapi.models.V1SecurityContext;
import io.kubernetes.client.openapi.models.V1ServiceAccountTokenProjection;
import io.kubernetes.client.openapi.models.V1Toleration;
import io.kubernetes.client.openapi.models.V1Volume;
import io.kubernetes.client.openapi.models.V1VolumeMount;
import io.kubernetes.client.openapi.models.V1VolumeProjection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Realistic Knative-like objects for codec tests and the size report: a Deployment for a Knative
 * revision, its ReplicaSet, and pods with two containers (user-container and queue-proxy, Knative's
 * ~35 env vars, resources, probes, lifecycle, volume mounts, security contexts), projected
 * service-account volume, many labels/annotations, tolerations, and a Running status with
 * conditions and containerStatuses.
 */
public final class TestObjects {

  public static final String NAMESPACE = "knative-fns";
  public static final String SERVICE = "image-resizer";
  public static final String REVISION = SERVICE + "-00007";
  public static final String DEPLOYMENT = REVISION + "-deployment";
  public static final String POD_TEMPLATE_HASH = "7d9f8c6b5";
  public static final String REPLICASET = DEPLOYMENT + "-" + POD_TEMPLATE_HASH;
  public static final OffsetDateTime T0 =
      OffsetDateTime.of(2026, 11, 26, 14, 0, 0, 0, ZoneOffset.UTC);
  public static final String RS_UID = "3f1c2b4a-9d8e-4f70-a1b2-c3d4e5f60718";
  public static final String DEPLOYMENT_UID = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";

  private TestObjects() {}

  /** Labels Knative puts on every pod of a revision. */
  public static Map<String, String> podLabels() {
    Map<String, String> l = new LinkedHashMap<>();
    l.put("app", REVISION);
    l.put("pod-template-hash", POD_TEMPLATE_HASH);
    l.put("serving.knative.dev/configuration", SERVICE);
    l.put("serving.knative.dev/configurationGeneration", "7");
    l.put("serving.knative.dev/configurationUID", "0b6a3d2e-7f41-4c8a-9e15-2d7c4b9a1f03");
    l.put("serving.knative.dev/revision", REVISION);
    l.put("serving.knative.dev/revisionUID", "5e2d9c1b-3a47-4f86-b0d2-8c6e1a9f4b27");
    l.put("serving.knative.dev/service", SERVICE);
    l.put("serving.knative.dev/serviceUID", "c7f3a9e1-2b4d-4e6f-8a0c-1d3e5f7a9b2c");
    l.put("app.kubernetes.io/name", SERVICE);
    l.put("app.kubernetes.io/component", "function");
    l.put("app.kubernetes.io/part-of", "media-pipeline");
    l.put("app.kubernetes.io/version", "1.14.2");
    l.put("team", "media-platform");
    l.put("cost-center", "cc-4711");
    l.put("kubedirect.io/managed", "true");
    return l;
  }

  /** Annotations Knative puts on every pod of a revision. */
  public static Map<String, String> podAnnotations() {
    Map<String, String> a = new LinkedHashMap<>();
    a.put("autoscaling.knative.dev/class", "kpa.autoscaling.knative.dev");
    a.put("autoscaling.knative.dev/metric", "concurrency");
    a.put("autoscaling.knative.dev/min-scale", "0");
    a.put("autoscaling.knative.dev/max-scale", "1000");
    a.put("autoscaling.knative.dev/target", "10");
    a.put("autoscaling.knative.dev/window", "60s");
    a.put("serving.knative.dev/creator", "system:serviceaccount:ci:media-pipeline-deployer");
    a.put("serving.knative.dev/routingStateModified", "2026-11-26T13:58:41Z");
    a.put("prometheus.io/scrape", "true");
    a.put("prometheus.io/port", "9091");
    a.put("prometheus.io/path", "/metrics");
    a.put("kubectl.kubernetes.io/default-container", "user-container");
    a.put("cluster-autoscaler.kubernetes.io/safe-to-evict", "true");
    a.put("sidecar.istio.io/inject", "false");
    return a;
  }

  /** The pod template of the revision (what the ReplicaSet's spec.template holds). */
  public static V1PodTemplateSpec podTemplate() {
    return new V1PodTemplateSpec()
        .metadata(new V1ObjectMeta().labels(podLabels()).annotations(podAnnotations()))
        .spec(podSpec());
  }

  /** Knative's pod spec: user-container, queue-proxy, projected token volume, tolerations. */
  public static V1PodSpec podSpec() {
    V1Container user =
        new V1Container()
            .name("user-container")
            .image(
                "registry.example.com/media/image-resizer@sha256:"
                    + "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b")
            .imagePullPolicy("IfNotPresent")
            .addPortsItem(
                new V1ContainerPort().name("user-port").containerPort(8080).protocol("TCP"))
            .env(
                List.of(
                    env("PORT", "8080"),
                    env("K_REVISION", REVISION),
                    env("K_CONFIGURATION", SERVICE),
                    env("K_SERVICE", SERVICE),
                    env("RESIZE_MAX_WIDTH", "4096"),
                    env("RESIZE_MAX_HEIGHT", "4096"),
                    env("OUTPUT_BUCKET", "s3://media-pipeline-prod/resized"),
                    env("LOG_FORMAT", "json"),
                    env(
                        "OTEL_EXPORTER_OTLP_ENDPOINT",
                        "http://otel-collector.observability.svc:4317"),
                    env("OTEL_SERVICE_NAME", SERVICE),
                    env("JAVA_TOOL_OPTIONS", "-XX:MaxRAMPercentage=75 -XX:+UseZGC")))
            .resources(
                new V1ResourceRequirements()
                    .requests(
                        Map.of(
                            "cpu",
                            Quantity.fromString("250m"),
                            "memory",
                            Quantity.fromString("256Mi")))
                    .limits(
                        Map.of(
                            "cpu", Quantity.fromString("2"), "memory", Quantity.fromString("1Gi"))))
            .lifecycle(
                new V1Lifecycle()
                    .preStop(
                        new V1LifecycleHandler()
                            .httpGet(
                                new V1HTTPGetAction()
                                    .path("/wait-for-drain")
                                    .port(new IntOrString(8022))
                                    .scheme("HTTP"))))
            .volumeMounts(
                List.of(
                    new V1VolumeMount()
                        .name("knative-var-log")
                        .mountPath("/var/log")
                        .subPathExpr(
                            "$(K_INTERNAL_POD_NAMESPACE)_$(K_INTERNAL_POD_NAME)_user-container"),
                    new V1VolumeMount()
                        .name("kube-api-access-x7k2p")
                        .mountPath("/var/run/secrets/kubernetes.io/serviceaccount")
                        .readOnly(true)))
            .securityContext(restricted())
            .terminationMessagePath("/dev/termination-log")
            .terminationMessagePolicy("FallbackToLogsOnError");

    V1Container queue =
        new V1Container()
            .name("queue-proxy")
            .image(
                "gcr.io/knative-releases/knative.dev/serving/cmd/queue@sha256:"
                    + "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b")
            .imagePullPolicy("IfNotPresent")
            .ports(
                List.of(
                    new V1ContainerPort().name("http-queueadm").containerPort(8022).protocol("TCP"),
                    new V1ContainerPort()
                        .name("http-autometric")
                        .containerPort(9090)
                        .protocol("TCP"),
                    new V1ContainerPort()
                        .name("http-usermetric")
                        .containerPort(9091)
                        .protocol("TCP"),
                    new V1ContainerPort().name("queue-port").containerPort(8012).protocol("TCP"),
                    new V1ContainerPort().name("https-port").containerPort(8112).protocol("TCP")))
            .env(queueProxyEnv())
            .resources(
                new V1ResourceRequirements()
                    .requests(
                        Map.of(
                            "cpu",
                            Quantity.fromString("25m"),
                            "memory",
                            Quantity.fromString("50Mi")))
                    .limits(
                        Map.of(
                            "cpu",
                            Quantity.fromString("1"),
                            "memory",
                            Quantity.fromString("200Mi"))))
            .readinessProbe(
                new V1Probe()
                    .httpGet(
                        new V1HTTPGetAction()
                            .path("/")
                            .port(new IntOrString(8012))
                            .scheme("HTTP")
                            .httpHeaders(
                                List.of(new V1HTTPHeader().name("K-Network-Probe").value("queue"))))
                    .periodSeconds(10)
                    .timeoutSeconds(1)
                    .successThreshold(1)
                    .failureThreshold(3))
            .startupProbe(
                new V1Probe()
                    .exec(
                        new V1ExecAction()
                            .command(List.of("/ko-app/queue", "-probe-timeout", "10m0s")))
                    .periodSeconds(1)
                    .timeoutSeconds(600)
                    .failureThreshold(1))
            .volumeMounts(
                List.of(
                    new V1VolumeMount()
                        .name("kube-api-access-x7k2p")
                        .mountPath("/var/run/secrets/kubernetes.io/serviceaccount")
                        .readOnly(true)))
            .securityContext(restricted())
            .terminationMessagePath("/dev/termination-log")
            .terminationMessagePolicy("File");

    return new V1PodSpec()
        .containers(List.of(user, queue))
        .enableServiceLinks(false)
        .automountServiceAccountToken(true)
        .serviceAccountName("image-resizer-runner")
        .serviceAccount("image-resizer-runner")
        .restartPolicy("Always")
        .dnsPolicy("ClusterFirst")
        .schedulerName("default-scheduler")
        .terminationGracePeriodSeconds(300L)
        .priority(0)
        .preemptionPolicy("PreemptLowerPriority")
        .securityContext(
            new V1PodSecurityContext()
                .runAsNonRoot(true)
                .fsGroup(65532L)
                .seccompProfile(new V1SeccompProfile().type("RuntimeDefault")))
        .tolerations(
            List.of(
                new V1Toleration()
                    .key("node.kubernetes.io/not-ready")
                    .operator("Exists")
                    .effect("NoExecute")
                    .tolerationSeconds(300L),
                new V1Toleration()
                    .key("node.kubernetes.io/unreachable")
                    .operator("Exists")
                    .effect("NoExecute")
                    .tolerationSeconds(300L),
                new V1Toleration()
                    .key("workload-class")
                    .operator("Equal")
                    .value("serverless")
                    .effect("NoSchedule")))
        .volumes(
            List.of(
                new V1Volume().name("knative-var-log").emptyDir(new V1EmptyDirVolumeSource()),
                new V1Volume()
                    .name("kube-api-access-x7k2p")
                    .projected(
                        new V1ProjectedVolumeSource()
                            .defaultMode(420)
                            .sources(
                                List.of(
                                    new V1VolumeProjection()
                                        .serviceAccountToken(
                                            new V1ServiceAccountTokenProjection()
                                                .expirationSeconds(3607L)
                                                .path("token")),
                                    new V1VolumeProjection()
                                        .configMap(
                                            new V1ConfigMapProjection()
                                                .name("kube-root-ca.crt")
                                                .items(
                                                    List.of(
                                                        new V1KeyToPath()
                                                            .key("ca.crt")
                                                            .path("ca.crt")))),
                                    new V1VolumeProjection()
                                        .downwardAPI(
                                            new V1DownwardAPIProjection()
                                                .items(
                                                    List.of(
                                                        new V1DownwardAPIVolumeFile()
                                                            .path("namespace")
                                                            .fieldRef(
                                                                new V1ObjectFieldSelector()
                                                                    .apiVersion("v1")
                                                                    .fieldPath(
                                                                        "metadata.namespace"))))))))));
  }

  private static V1SecurityContext restricted() {
    return new V1SecurityContext()
        .allowPrivilegeEscalation(false)
        .readOnlyRootFilesystem(true)
        .runAsNonRoot(true)
        .capabilities(new V1Capabilities().drop(List.of("ALL")))
        .seccompProfile(new V1SeccompProfile().type("RuntimeDefault"));
  }

  private static List<V1EnvVar> queueProxyEnv() {
    List<V1EnvVar> e = new ArrayList<>();
    e.add(env("SERVING_NAMESPACE", NAMESPACE));
    e.add(env("SERVING_SERVICE", SERVICE));
    e.add(env("SERVING_CONFIGURATION", SERVICE));
    e.add(env("SERVING_REVISION", REVISION));
    e.add(env("QUEUE_SERVING_PORT", "8012"));
    e.add(env("QUEUE_SERVING_TLS_PORT", "8112"));
    e.add(env("CONTAINER_CONCURRENCY", "0"));
    e.add(env("REVISION_TIMEOUT_SECONDS", "300"));
    e.add(env("REVISION_RESPONSE_START_TIMEOUT_SECONDS", "0"));
    e.add(env("REVISION_IDLE_TIMEOUT_SECONDS", "0"));
    e.add(fieldEnv("SERVING_POD", "metadata.name"));
    e.add(fieldEnv("SERVING_POD_IP", "status.podIP"));
    e.add(
        env(
            "SERVING_LOGGING_CONFIG",
            "{\n  \"level\": \"info\",\n  \"development\": false,\n  "
                + "\"outputPaths\": [\"stdout\"],\n  \"errorOutputPaths\": [\"stderr\"],\n  \"encoding\": \"json\",\n  "
                + "\"encoderConfig\": {\n    \"timeKey\": \"timestamp\",\n    \"levelKey\": \"severity\",\n    "
                + "\"nameKey\": \"logger\",\n    \"callerKey\": \"caller\",\n    \"messageKey\": \"message\",\n    "
                + "\"stacktraceKey\": \"stacktrace\",\n    \"lineEnding\": \"\",\n    \"levelEncoder\": \"\",\n    "
                + "\"timeEncoder\": \"iso8601\",\n    \"durationEncoder\": \"\",\n    \"callerEncoder\": \"\"\n  }\n}"));
    e.add(env("SERVING_LOGGING_LEVEL", ""));
    e.add(
        env(
            "SERVING_REQUEST_LOG_TEMPLATE",
            "{\"httpRequest\": {\"requestMethod\": \"{{.Request.Method}}\", "
                + "\"requestUrl\": \"{{js .Request.RequestURI}}\", \"requestSize\": \"{{.Request.ContentLength}}\", "
                + "\"status\": {{.Response.Code}}, \"responseSize\": \"{{.Response.Size}}\", \"userAgent\": "
                + "\"{{js .Request.UserAgent}}\", \"remoteIp\": \"{{js .Request.RemoteAddr}}\", \"serverIp\": "
                + "\"{{.Revision.PodIP}}\", \"referer\": \"{{js .Request.Referer}}\", \"latency\": "
                + "\"{{.Response.Latency}}s\", \"protocol\": \"{{.Request.Proto}}\"}, \"traceId\": \"{{index "
                + ".Request.Header \\\"X-B3-Traceid\\\"}}\"}"));
    e.add(env("SERVING_ENABLE_REQUEST_LOG", "false"));
    e.add(env("SERVING_REQUEST_METRICS_BACKEND", "prometheus"));
    e.add(env("SERVING_REQUEST_METRICS_REPORTING_PERIOD_SECONDS", "5"));
    e.add(env("TRACING_CONFIG_BACKEND", "none"));
    e.add(env("TRACING_CONFIG_ZIPKIN_ENDPOINT", ""));
    e.add(env("TRACING_CONFIG_DEBUG", "false"));
    e.add(env("TRACING_CONFIG_SAMPLE_RATE", "0.1"));
    e.add(env("USER_PORT", "8080"));
    e.add(env("SYSTEM_NAMESPACE", "knative-serving"));
    e.add(env("METRICS_DOMAIN", "knative.dev/internal/serving"));
    e.add(
        env(
            "SERVING_READINESS_PROBE",
            "{\"tcpSocket\":{\"port\":8080,\"host\":\"127.0.0.1\"}," + "\"successThreshold\":1}"));
    e.add(env("ENABLE_PROFILING", "false"));
    e.add(env("SERVING_ENABLE_PROBE_REQUEST_LOG", "false"));
    e.add(env("METRICS_COLLECTOR_ADDRESS", ""));
    e.add(fieldEnv("HOST_IP", "status.hostIP"));
    e.add(env("ENABLE_HTTP2_AUTO_DETECTION", "false"));
    e.add(env("ENABLE_HTTP_FULL_DUPLEX", "false"));
    e.add(env("ROOT_CA", ""));
    e.add(env("ENABLE_MULTI_CONTAINER_PROBES", "false"));
    e.add(
        env(
            "OBSERVABILITY_CONFIG",
            "{\"tracing\":{\"protocol\":\"none\"},\"metrics\":{\"protocol\":"
                + "\"prometheus\",\"endpoint\":\":9091\",\"exportInterval\":\"30s\"}}"));
    return e;
  }

  private static V1EnvVar env(String name, String value) {
    return new V1EnvVar().name(name).value(value);
  }

  private static V1EnvVar fieldEnv(String name, String path) {
    return new V1EnvVar()
        .name(name)
        .valueFrom(
            new V1EnvVarSource()
                .fieldRef(new V1ObjectFieldSelector().apiVersion("v1").fieldPath(path)));
  }

  /** The owner reference of every pod of the ReplicaSet. */
  public static V1OwnerReference rsOwner() {
    return new V1OwnerReference()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .name(REPLICASET)
        .uid(RS_UID)
        .controller(true)
        .blockOwnerDeletion(true);
  }

  /** A deterministic UUID for index {@code i}. */
  public static String uid(int i) {
    return new UUID(0x5eed000000004000L | i, 0x8000000000000000L | (i * 7919L)).toString();
  }

  /** Pod {@code i} of the ReplicaSet as the ReplicaSet controller emits it: no node, no status. */
  public static V1Pod newPod(int i) {
    return new V1Pod()
        .apiVersion("v1")
        .kind("Pod")
        .metadata(
            new V1ObjectMeta()
                .name(REPLICASET + "-" + suffix(i))
                .generateName(REPLICASET + "-")
                .namespace(NAMESPACE)
                .uid(uid(i))
                .creationTimestamp(T0.plusNanos(i * 1_000_000L * 3))
                .labels(podLabels())
                .annotations(podAnnotations())
                .ownerReferences(List.of(rsOwner())))
        .spec(podSpec());
  }

  /**
   * Pod {@code i} after scheduling to a node, with a Running status as the kubelet would report it.
   */
  public static V1Pod runningPod(int i) {
    V1Pod p = newPod(i);
    p.getMetadata().resourceVersion(String.valueOf(184_220_000 + i));
    p.getSpec().nodeName(node(i));
    OffsetDateTime start = T0.plusSeconds(2);
    String podIp = "10.244." + (i / 250) + "." + (i % 250 + 2);
    p.status(
        new V1PodStatus()
            .phase("Running")
            .qosClass("Burstable")
            .hostIP("192.168.10." + (i % 50 + 10))
            .podIP(podIp)
            .podIPs(List.of(new V1PodIP().ip(podIp)))
            .startTime(start)
            .conditions(
                List.of(
                    cond("PodReadyToStartContainers", start.plusSeconds(1)),
                    cond("Initialized", start),
                    cond("Ready", start.plusSeconds(3)),
                    cond("ContainersReady", start.plusSeconds(3)),
                    cond("PodScheduled", start)))
            .containerStatuses(
                List.of(
                    cstatus(
                        "queue-proxy",
                        "gcr.io/knative-releases/knative.dev/serving/cmd/queue@sha256:"
                            + "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c2d1e0f9a8b",
                        i,
                        start.plusSeconds(1)),
                    cstatus(
                        "user-container",
                        "registry.example.com/media/image-resizer@sha256:"
                            + "4f3c2b1a0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b",
                        i,
                        start.plusSeconds(1)))));
    return p;
  }

  private static V1PodCondition cond(String type, OffsetDateTime t) {
    return new V1PodCondition().type(type).status("True").lastTransitionTime(t);
  }

  private static V1ContainerStatus cstatus(
      String name, String image, int i, OffsetDateTime started) {
    return new V1ContainerStatus()
        .name(name)
        .image(image)
        .imageID(image)
        .ready(true)
        .started(true)
        .restartCount(0)
        .containerID("containerd://" + sha(name + i))
        .state(new V1ContainerState().running(new V1ContainerStateRunning().startedAt(started)));
  }

  private static String sha(String s) {
    return String.format(
        "%064x",
        new java.math.BigInteger(1, JsonTrees.sha256().digest(s.getBytes(StandardCharsets.UTF_8))));
  }

  /** Node name for pod {@code i} (50 nodes). */
  public static String node(int i) {
    return "worker-pool-a-" + String.format("%03d", i % 50);
  }

  /** A 5-character pod name suffix like Kubernetes' generateName. */
  public static String suffix(int i) {
    String alphabet = "bcdfghjklmnpqrstvwxz2456789";
    StringBuilder sb = new StringBuilder();
    long x = i * 2654435761L + 12345;
    for (int k = 0; k < 5; k++) {
      sb.append(alphabet.charAt(Math.floorMod(x, alphabet.length())));
      x /= alphabet.length();
    }
    return sb.toString();
  }

  /** The Knative revision's Deployment. */
  public static V1Deployment deployment() {
    Map<String, String> selector =
        Map.of(
            "serving.knative.dev/revisionUID", podLabels().get("serving.knative.dev/revisionUID"));
    return new V1Deployment()
        .apiVersion("apps/v1")
        .kind("Deployment")
        .metadata(
            new V1ObjectMeta()
                .name(DEPLOYMENT)
                .namespace(NAMESPACE)
                .uid(DEPLOYMENT_UID)
                .creationTimestamp(T0.minusMinutes(5))
                .generation(3L)
                .resourceVersion("184219001")
                .labels(podLabels())
                .annotations(Map.of("deployment.kubernetes.io/revision", "1"))
                .ownerReferences(
                    List.of(
                        new V1OwnerReference()
                            .apiVersion("serving.knative.dev/v1")
                            .kind("Revision")
                            .name(REVISION)
                            .uid("5e2d9c1b-3a47-4f86-b0d2-8c6e1a9f4b27")
                            .controller(true)
                            .blockOwnerDeletion(true))))
        .spec(
            new V1DeploymentSpec()
                .replicas(1000)
                .revisionHistoryLimit(10)
                .progressDeadlineSeconds(600)
                .selector(new V1LabelSelector().matchLabels(selector))
                .strategy(new V1DeploymentStrategy().type("RollingUpdate"))
                .template(podTemplate()));
  }

  /** The Deployment's ReplicaSet. */
  public static V1ReplicaSet replicaSet() {
    Map<String, String> selector = new LinkedHashMap<>();
    selector.put(
        "serving.knative.dev/revisionUID", podLabels().get("serving.knative.dev/revisionUID"));
    selector.put("pod-template-hash", POD_TEMPLATE_HASH);
    return new V1ReplicaSet()
        .apiVersion("apps/v1")
        .kind("ReplicaSet")
        .metadata(
            new V1ObjectMeta()
                .name(REPLICASET)
                .namespace(NAMESPACE)
                .uid(RS_UID)
                .creationTimestamp(T0.minusMinutes(4))
                .generation(2L)
                .labels(podLabels())
                .annotations(
                    Map.of(
                        "deployment.kubernetes.io/desired-replicas",
                        "1000",
                        "deployment.kubernetes.io/max-replicas",
                        "1250",
                        "deployment.kubernetes.io/revision",
                        "1"))
                .ownerReferences(
                    List.of(
                        new V1OwnerReference()
                            .apiVersion("apps/v1")
                            .kind("Deployment")
                            .name(DEPLOYMENT)
                            .uid(DEPLOYMENT_UID)
                            .controller(true)
                            .blockOwnerDeletion(true))))
        .spec(
            new V1ReplicaSetSpec()
                .replicas(1000)
                .selector(new V1LabelSelector().matchLabels(selector))
                .template(podTemplate()))
        .status(new V1ReplicaSetStatus().replicas(0).observedGeneration(2L));
  }

  /**
   * The full JSON of {@link #runningPod} as the API Server serves it, including managedFields for
   * kube-controller-manager (create) and kubelet (status), which client-java omits from its models.
   */
  public static String fullApiServerJson(int i) {
    JsonObject tree = JSON.getGson().toJsonTree(runningPod(i)).getAsJsonObject();
    JsonArray managed = new JsonArray();
    managed.add(
        managedEntry(
            "kube-controller-manager",
            "Update",
            null,
            JsonParser.parseString(CONTROLLER_FIELDS).getAsJsonObject()));
    managed.add(
        managedEntry(
            "kubelet",
            "Update",
            "status",
            JsonParser.parseString(KUBELET_FIELDS).getAsJsonObject()));
    tree.getAsJsonObject("metadata").add("managedFields", managed);
    return JsonTrees.WRITER.toJson(tree);
  }

  private static JsonObject managedEntry(
      String manager, String op, String subresource, JsonObject fields) {
    JsonObject e = new JsonObject();
    e.addProperty("manager", manager);
    e.addProperty("operation", op);
    e.addProperty("apiVersion", "v1");
    e.addProperty("time", Instant.parse("2026-11-26T14:00:02Z").toString());
    e.addProperty("fieldsType", "FieldsV1");
    e.add("fieldsV1", fields);
    if (subresource != null) {
      e.addProperty("subresource", subresource);
    }
    return e;
  }

  private static final String CONTROLLER_FIELDS;
  private static final String KUBELET_FIELDS;

  static {
    StringBuilder labels = new StringBuilder();
    for (String k : podLabels().keySet()) {
      labels.append(labels.length() == 0 ? "" : ",").append("\"f:").append(k).append("\":{}");
    }
    StringBuilder annotations = new StringBuilder();
    for (String k : podAnnotations().keySet()) {
      annotations
          .append(annotations.length() == 0 ? "" : ",")
          .append("\"f:")
          .append(k)
          .append("\":{}");
    }
    StringBuilder qpEnv = new StringBuilder();
    for (V1EnvVar v : queueProxyEnv()) {
      qpEnv
          .append(qpEnv.length() == 0 ? "" : ",")
          .append("\"k:{\\\"name\\\":\\\"")
          .append(v.getName())
          .append("\\\"}\":{\".\":{},\"f:name\":{},\"f:value\":{}}");
    }
    String container =
        "{\".\":{},\"f:image\":{},\"f:imagePullPolicy\":{},\"f:name\":{},\"f:ports\":{},"
            + "\"f:resources\":{\".\":{},\"f:limits\":{\".\":{},\"f:cpu\":{},\"f:memory\":{}},\"f:requests\":{\".\":{},"
            + "\"f:cpu\":{},\"f:memory\":{}}},\"f:securityContext\":{\".\":{},\"f:allowPrivilegeEscalation\":{},"
            + "\"f:capabilities\":{\".\":{},\"f:drop\":{}},\"f:readOnlyRootFilesystem\":{},\"f:runAsNonRoot\":{},"
            + "\"f:seccompProfile\":{\".\":{},\"f:type\":{}}},\"f:terminationMessagePath\":{},"
            + "\"f:terminationMessagePolicy\":{},\"f:volumeMounts\":{}";
    CONTROLLER_FIELDS =
        "{\"f:metadata\":{\"f:annotations\":{\".\":{},"
            + annotations
            + "},\"f:generateName\":{},"
            + "\"f:labels\":{\".\":{},"
            + labels
            + "},\"f:ownerReferences\":{\".\":{},\"k:{\\\"uid\\\":\\\""
            + RS_UID
            + "\\\"}\":{}}},\"f:spec\":{\"f:containers\":{\"k:{\\\"name\\\":\\\"queue-proxy\\\"}\":"
            + container
            + ",\"f:env\":{\".\":{},"
            + qpEnv
            + "},\"f:readinessProbe\":{},\"f:startupProbe\":{}},"
            + "\"k:{\\\"name\\\":\\\"user-container\\\"}\":"
            + container
            + ",\"f:env\":{},\"f:lifecycle\":{}}},"
            + "\"f:dnsPolicy\":{},\"f:enableServiceLinks\":{},\"f:restartPolicy\":{},\"f:schedulerName\":{},"
            + "\"f:securityContext\":{},\"f:serviceAccount\":{},\"f:serviceAccountName\":{},"
            + "\"f:terminationGracePeriodSeconds\":{},\"f:tolerations\":{}"
            + ",\"f:volumes\":{\".\":{},\"k:{\\\"name\\\":\\\"knative-var-log\\\"}\":{},"
            + "\"k:{\\\"name\\\":\\\"kube-api-access-x7k2p\\\"}\":{}}}}";
    KUBELET_FIELDS =
        "{\"f:status\":{\"f:conditions\":{"
            + "\"k:{\\\"type\\\":\\\"ContainersReady\\\"}\":{\".\":{},\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}},"
            + "\"k:{\\\"type\\\":\\\"Initialized\\\"}\":{\".\":{},\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}},"
            + "\"k:{\\\"type\\\":\\\"PodReadyToStartContainers\\\"}\":{\".\":{},\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}},"
            + "\"k:{\\\"type\\\":\\\"Ready\\\"}\":{\".\":{},\"f:lastProbeTime\":{},\"f:lastTransitionTime\":{},\"f:status\":{},\"f:type\":{}}},"
            + "\"f:containerStatuses\":{},\"f:hostIP\":{},\"f:hostIPs\":{},\"f:phase\":{},\"f:podIP\":{},"
            + "\"f:podIPs\":{\".\":{},\"k:{\\\"ip\\\":\\\"10.244.0.2\\\"}\":{\".\":{},\"f:ip\":{}}},\"f:startTime\":{}}}";
  }
}
