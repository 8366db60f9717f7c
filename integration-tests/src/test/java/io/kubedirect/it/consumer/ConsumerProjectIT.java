package io.kubedirect.it.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kubedirect-java used as a Maven dependency, as the README says: a separate project ({@code
 * src/test/consumer}, outside the reactor) imports {@code kubedirect-bom}, depends on {@code
 * kubedirect-runtime} and {@code kubedirect-transport-netty}, and retrofits one client-java
 * controller. It is built with Maven against the artifacts the build installed into {@code
 * target/consumer-repo} (parent, BOM, jars with sources and Javadoc), with the build's own local
 * repository as its only source of third-party artifacts (a {@code file:} mirror: no network,
 * nothing written to it), and run against the local control plane: its pods must reach the API
 * Server through its direct link.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ConsumerProjectIT {

  private static final Logger log = LoggerFactory.getLogger(ConsumerProjectIT.class);
  private static final List<String> JARS =
      List.of(
          "kubedirect-api",
          "kubedirect-transport-inmemory",
          "kubedirect-runtime",
          "kubedirect-transport-netty",
          "kubedirect-metrics-prometheus",
          "kubedirect-testing");
  private static final int PODS = 5;

  record Run(int exitCode, String output) {}

  @Test
  void aSeparateProjectBuildsAgainstTheBomAndRunsARetrofittedController(LocalControlPlane cp)
      throws Exception {
    String version = property("kubedirect.version");
    Path published = Path.of(property("kubedirect.consumer.repo"));
    Path buildRepo = Path.of(property("kubedirect.build.repo"));
    Path target = Path.of("target").toAbsolutePath();

    // What the build published: every library jar with its sources and Javadoc, the parent and the
    // BOM.
    for (String a : JARS) {
      Path dir = published.resolve("io/kubedirect/" + a + "/" + version);
      for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar", ".pom")) {
        assertThat(dir.resolve(a + "-" + version + suffix))
            .as("published %s%s", a, suffix)
            .isRegularFile();
      }
    }
    assertThat(
            published.resolve(
                "io/kubedirect/kubedirect-bom/" + version + "/kubedirect-bom-" + version + ".pom"))
        .isRegularFile();
    assertThat(
            published.resolve(
                "io/kubedirect/kubedirect-parent/"
                    + version
                    + "/kubedirect-parent-"
                    + version
                    + ".pom"))
        .isRegularFile();
    bomMatchesTheBuild(version);

    // A fresh copy of the consumer project and a Maven settings file that reads third-party
    // artifacts from the
    // build's local repository only.
    Path project = target.resolve("consumer-project");
    deleteTree(project);
    copyTree(Path.of("src/test/consumer"), project);
    Path localRepo = target.resolve("consumer-m2");
    copyTree(
        published, localRepo); // the published artifacts, as `mvn install` would have left them
    Path settings = target.resolve("consumer-settings.xml");
    Files.writeString(
        settings,
        """
        <settings>
          <mirrors>
            <mirror>
              <id>build-repository</id>
              <mirrorOf>*</mirrorOf>
              <url>%s</url>
            </mirror>
          </mirrors>
        </settings>
        """
            .formatted(buildRepo.toUri()));

    long t0 = System.nanoTime();
    Run build =
        run(
            project,
            List.of(
                mvn(),
                "-B",
                "-ntp",
                "-nsu",
                "-s",
                settings.toString(),
                "-Dmaven.repo.local=" + localRepo,
                "-Dkubedirect.version=" + version,
                "compile"),
            240);
    long buildMs = (System.nanoTime() - t0) / 1_000_000;
    assertThat(build.exitCode()).as("consumer build:%n%s", build.output()).isZero();
    assertThat(build.output())
        .doesNotContain("Downloading from central")
        .doesNotContain("is missing");
    log.info("consumer project built in {} ms", buildMs);

    // It was compiled against the jars this build just made, not against older ones from elsewhere.
    String classpathFile = Files.readString(project.resolve("target/classpath.txt")).trim();
    List<String> ours =
        List.of(classpathFile.split(File.pathSeparator)).stream()
            .filter(e -> e.contains("/io/kubedirect/"))
            .toList();
    assertThat(ours).hasSizeGreaterThanOrEqualTo(3);
    for (String jar : ours) {
      String name = Path.of(jar).getFileName().toString();
      String module = name.substring(0, name.length() - ("-" + version + ".jar").length());
      assertThat(Files.mismatch(Path.of(jar), Path.of("..", module, "target", name)))
          .as(name)
          .isEqualTo(-1L);
    }

    String ns = "consumer-" + Long.toHexString(System.nanoTime());
    new CoreV1Api(cp.apiClient())
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
        .execute();
    String classpath = project.resolve("target/classes") + File.pathSeparator + classpathFile;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    t0 = System.nanoTime();
    Run app =
        run(
            project,
            List.of(
                java,
                "-cp",
                classpath,
                "com.example.podstarter.Main",
                cp.kubeconfig().toString(),
                ns,
                String.valueOf(PODS)),
            120);
    log.info(
        "consumer controller ran in {} ms: {}",
        (System.nanoTime() - t0) / 1_000_000,
        app.output().lines().filter(l -> l.startsWith("pod-starter:")).findFirst().orElse("?"));
    assertThat(app.exitCode()).as("consumer run:%n%s", app.output()).isZero();
    assertThat(app.output())
        .contains("pod-starter: " + PODS + " of " + PODS + " pods persisted through kubedirect");

    List<V1Pod> pods = new CoreV1Api(cp.apiClient()).listNamespacedPod(ns).execute().getItems();
    assertThat(pods)
        .hasSize(PODS)
        .allSatisfy(
            p -> {
              assertThat(p.getSpec().getNodeName()).isEqualTo("node-1");
              assertThat(p.getMetadata().getName()).startsWith("demo-");
            });
  }

  /** The BOM carries the build's version and the third-party versions the parent builds against. */
  private static void bomMatchesTheBuild(String version) throws IOException {
    String parent = Files.readString(Path.of("../pom.xml"));
    String bom = Files.readString(Path.of("../kubedirect-bom/pom.xml"));
    assertThat(tag(bom, "kubedirect.version")).isEqualTo(version);
    assertThat(tag(bom, "version")).isEqualTo(version);
    for (String p :
        List.of(
            "client-java.version",
            "client-java-extended.version",
            "prometheus-simpleclient.version",
            "netty.version",
            "protobuf.version",
            "caffeine.version",
            "micrometer.version",
            "slf4j.version")) {
      assertThat(tag(bom, p)).as(p).isEqualTo(tag(parent, p));
    }
  }

  private static String tag(String xml, String name) {
    Matcher m =
        Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</" + Pattern.quote(name) + ">")
            .matcher(xml);
    return m.find() ? m.group(1).trim() : null;
  }

  private static String property(String name) {
    String v = System.getProperty(name);
    assertThat(v).as("system property %s (set by the integration-tests pom)", name).isNotBlank();
    return v;
  }

  private static String mvn() {
    String home = System.getProperty("kubedirect.maven.home");
    Path bin = home == null || home.isBlank() ? null : Path.of(home, "bin", "mvn");
    return bin != null && Files.isExecutable(bin) ? bin.toString() : "mvn";
  }

  private static Run run(Path dir, List<String> command, int timeoutSeconds) throws Exception {
    Process p =
        new ProcessBuilder(new ArrayList<>(command))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(
          command.get(0) + " did not finish within " + timeoutSeconds + " s:\n" + out.getNow(""));
    }
    return new Run(p.exitValue(), out.get());
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      files.forEach(
          f -> {
            Path dest = to.resolve(from.relativize(f).toString());
            try {
              if (Files.isDirectory(f)) {
                Files.createDirectories(dest);
              } else {
                Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
              }
            } catch (IOException e) {
              throw new UncheckedIOException(e);
            }
          });
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }
}
