package io.kubedirect.it.deploy;

import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.AuthenticationV1TokenRequest;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1TokenRequestSpec;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.KubeConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The kustomize base in {@code deploy/base} on the local control plane: {@code kubectl} from the
 * control plane's binary directory, the rendered objects, the stages' ServiceAccounts and RBAC
 * applied for real, and API clients that act as a stage's ServiceAccount (a token from the
 * TokenRequest API).
 */
public final class Manifests {

  /** The namespace of the example chain. */
  public static final String NAMESPACE = "kubedirect-faas";

  /** The base, relative to the integration-tests module. */
  public static final Path BASE = Path.of("..", "deploy", "base").toAbsolutePath().normalize();

  /** The kinds that make up the stages' identities and permissions. */
  static final Set<String> IDENTITY_KINDS =
      Set.of(
          "Namespace",
          "ServiceAccount",
          "ClusterRole",
          "ClusterRoleBinding",
          "Role",
          "RoleBinding");

  private Manifests() {}

  /** The ServiceAccount of {@code stage} (replicaset, scheduler, sandbox-manager). */
  public static String serviceAccount(String stage) {
    return "kubedirect-" + stage;
  }

  /** What a kubectl run printed. */
  public record Result(int exitCode, String stdout, String stderr) {}

  /** Runs the control plane's kubectl with its admin kubeconfig; {@code stdin} may be null. */
  public static Result kubectl(LocalControlPlane cp, String stdin, String... args)
      throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(cp.spec().binaries().dir().resolve("kubectl").toString());
    cmd.add("--kubeconfig=" + cp.kubeconfig());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).start();
    CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
    CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
    try (var in = p.getOutputStream()) {
      if (stdin != null) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
    }
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("kubectl " + args[0] + " did not finish within 120 s");
    }
    return new Result(p.exitValue(), out.get(), err.get());
  }

  private static String read(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** {@code kubectl kustomize} of the base: the objects as YAML documents. */
  public static List<String> render(LocalControlPlane cp) throws Exception {
    Result r = kubectl(cp, null, "kustomize", BASE.toString());
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl kustomize failed: " + r.stderr());
    }
    List<String> docs = new ArrayList<>();
    for (String doc : r.stdout().split("(?m)^---\\s*$")) {
      if (!doc.isBlank()) {
        docs.add(doc.strip() + "\n");
      }
    }
    return docs;
  }

  /** The value of the top-level {@code kind:} of a rendered document. */
  public static String kind(String doc) {
    return doc.lines()
        .filter(l -> l.startsWith("kind: "))
        .findFirst()
        .map(l -> l.substring(6).trim())
        .orElse("");
  }

  /**
   * Applies the namespace, ServiceAccounts, (Cluster)Roles and (Cluster)RoleBindings of the base
   * for real.
   */
  public static void applyIdentities(LocalControlPlane cp) throws Exception {
    String yaml =
        String.join(
            "---\n", render(cp).stream().filter(d -> IDENTITY_KINDS.contains(kind(d))).toList());
    Result r = kubectl(cp, yaml, "apply", "--server-side", "--force-conflicts", "-f", "-");
    if (r.exitCode() != 0) {
      throw new IllegalStateException("kubectl apply failed: " + r.stderr() + r.stdout());
    }
  }

  /** Creates the namespace of the chain unless it exists. */
  public static void ensureNamespace(ApiClient admin) throws ApiException {
    try {
      new CoreV1Api(admin)
          .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(NAMESPACE)))
          .execute();
    } catch (ApiException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
  }

  /** A bearer token of {@code stage}'s ServiceAccount, valid for an hour (TokenRequest API). */
  public static String token(ApiClient admin, String stage) throws ApiException {
    AuthenticationV1TokenRequest tr =
        new CoreV1Api(admin)
            .createNamespacedServiceAccountToken(
                serviceAccount(stage),
                NAMESPACE,
                new AuthenticationV1TokenRequest()
                    .spec(new V1TokenRequestSpec().expirationSeconds(3600L)))
            .execute();
    return tr.getStatus().getToken();
  }

  /** A kubeconfig like the admin's, with {@code token} as the user. */
  public static Path kubeconfig(LocalControlPlane cp, String token, Path file) throws IOException {
    String admin = Files.readString(cp.kubeconfig());
    String admToken = "\"" + cp.bearerToken() + "\"";
    if (!admin.contains(admToken)) {
      throw new IllegalStateException("admin kubeconfig has an unexpected format");
    }
    Files.writeString(file, admin.replace(admToken, "\"" + token + "\""));
    return file;
  }

  /**
   * An API client acting with {@code token}, trusting the control plane's CA; read timeout 10 s.
   */
  public static ApiClient client(LocalControlPlane cp, String token, Path dir) throws IOException {
    Path file = kubeconfig(cp, token, dir.resolve("kubeconfig-" + Math.abs(token.hashCode())));
    KubeConfig kc;
    try (Reader r = new StringReader(Files.readString(file))) {
      kc = KubeConfig.loadKubeConfig(r);
    }
    kc.setFile(file.toFile());
    return ClientBuilder.kubeconfig(kc).setReadTimeout(Duration.ofSeconds(10)).build();
  }
}
