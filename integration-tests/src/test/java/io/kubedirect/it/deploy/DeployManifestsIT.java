package io.kubedirect.it.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.apis.AuthorizationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1ResourceAttributes;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReview;
import io.kubernetes.client.openapi.models.V1SelfSubjectAccessReviewSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kustomize base in {@code deploy/base} against the real local API Server: a server-side dry
 * run of every object (schemas, strict field validation, admission including Pod Security
 * "restricted" for the workloads), and the stages' RBAC, evaluated by the API Server for tokens of
 * the stages' own ServiceAccounts: each may make exactly the calls it needs and is refused others,
 * including leader election on its own Lease only. ({@code StageMainIT} runs the chain under these
 * identities, with leader election.)
 */
@LocalKubernetes
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DeployManifestsIT {

  /** One access check: verb on group/resource[/subresource], optionally of one named object. */
  record Access(String verb, String group, String resource, String subresource, String name) {
    static Access of(String spec) {
      // "verb resource[/sub][.group] [name]", e.g. "update replicasets/status.apps",
      // "update leases.coordination.k8s.io kubedirect-scheduler"
      String[] p = spec.split(" ");
      String res = p[1];
      String group = "";
      int dot = res.indexOf('.');
      if (dot > 0) {
        group = res.substring(dot + 1);
        res = res.substring(0, dot);
      }
      String sub = null;
      int slash = res.indexOf('/');
      if (slash > 0) {
        sub = res.substring(slash + 1);
        res = res.substring(0, slash);
      }
      return new Access(p[0], group, res, sub, p.length > 2 ? p[2] : null);
    }
  }

  private static final String LEASES = "leases.coordination.k8s.io";

  /** What each stage uses (rbac.yaml): the API Server must allow all of it. */
  static final Map<String, List<String>> ALLOWED =
      Map.of(
          "replicaset",
              List.of(
                  "list replicasets.apps",
                  "watch replicasets.apps",
                  "update replicasets/status.apps",
                  "get pods",
                  "list pods",
                  "watch pods",
                  "create pods",
                  "delete pods",
                  "create events",
                  "get " + LEASES + " kubedirect-replicaset",
                  "update " + LEASES + " kubedirect-replicaset",
                  "create " + LEASES,
                  "list " + LEASES,
                  "watch " + LEASES),
          "scheduler",
              List.of(
                  "list nodes",
                  "watch nodes",
                  "get pods",
                  "list pods",
                  "watch pods",
                  "create pods",
                  "update pods",
                  "delete pods",
                  "create events",
                  "get " + LEASES + " kubedirect-scheduler",
                  "update " + LEASES + " kubedirect-scheduler",
                  "create " + LEASES,
                  "list " + LEASES,
                  "watch " + LEASES),
          "sandbox-manager",
              List.of(
                  "get pods",
                  "list pods",
                  "watch pods",
                  "create pods",
                  "update pods",
                  "delete pods",
                  "patch pods/status",
                  "create events",
                  "get " + LEASES + " kubedirect-sandbox-manager",
                  "update " + LEASES + " kubedirect-sandbox-manager",
                  "create " + LEASES));

  /** Calls a stage never makes: the API Server must refuse them. */
  static final Map<String, List<String>> FORBIDDEN =
      Map.of(
          "replicaset",
              List.of(
                  "update pods",
                  "patch pods",
                  "patch pods/status",
                  "create pods/binding",
                  "list nodes",
                  "create replicasets.apps",
                  "update replicasets.apps",
                  "get secrets",
                  "update " + LEASES + " kubedirect-scheduler",
                  "delete " + LEASES + " kubedirect-replicaset"),
          "scheduler",
              List.of(
                  "patch pods",
                  "patch pods/status",
                  "create pods/binding",
                  "update nodes",
                  "list replicasets.apps",
                  "get secrets",
                  "list configmaps",
                  "update " + LEASES + " kubedirect-sandbox-manager",
                  "patch " + LEASES + " kubedirect-scheduler"),
          "sandbox-manager",
              List.of(
                  "patch pods",
                  "update pods/status",
                  "list nodes",
                  "list replicasets.apps",
                  "update replicasets/status.apps",
                  "get secrets",
                  "delete nodes",
                  "list " + LEASES,
                  "get " + LEASES + " kubedirect-scheduler"));

  @Test
  void baseAppliesWithServerSideDryRun(LocalControlPlane cp) throws Exception {
    List<String> objects = Manifests.render(cp);
    assertThat(objects.stream().map(Manifests::kind).distinct())
        .containsExactlyInAnyOrder(
            "Namespace",
            "ServiceAccount",
            "ClusterRole",
            "ClusterRoleBinding",
            "Role",
            "RoleBinding",
            "ConfigMap",
            "Deployment",
            "NetworkPolicy",
            "PodDisruptionBudget");
    // Two leader-elected replicas per stage, rolled one at a time with a ready standby.
    assertThat(objects.stream().filter(d -> "Deployment".equals(Manifests.kind(d))))
        .hasSize(3)
        .allSatisfy(
            d -> {
              assertThat(d)
                  .contains(
                      "  replicas: 2\n",
                      "    type: RollingUpdate\n",
                      "      maxUnavailable: 0\n",
                      "- --leader-election\n",
                      "- --lease-namespace=$(POD_NAMESPACE)\n",
                      "- --identity=$(POD_NAME)\n");
              assertThat(d)
                  .doesNotContain("Recreate", "-address=scheduler:", "-address=sandbox-manager:");
            });
    // A dry run cannot create the namespace the other objects go into: create it for real first,
    // from the base
    // (with its Pod Security labels, which the dry run of the Deployments is then checked against).
    String namespace =
        objects.stream()
            .filter(d -> "Namespace".equals(Manifests.kind(d)))
            .findFirst()
            .orElseThrow();
    Manifests.Result ns = Manifests.kubectl(cp, namespace, "apply", "-f", "-");
    assertThat(ns.exitCode()).as(ns.stderr()).isZero();

    Manifests.Result r =
        Manifests.kubectl(cp, null, "apply", "--dry-run=server", "-k", Manifests.BASE.toString());
    assertThat(r.exitCode())
        .as("kubectl apply --dry-run=server -k deploy/base: %s", r.stderr())
        .isZero();
    assertThat(r.stderr()).as("no warnings (e.g. Pod Security 'restricted' violations)").isBlank();
    assertThat(r.stdout().lines().filter(l -> l.endsWith("(server dry run)")).count())
        .as("every object accepted: %s", r.stdout())
        .isEqualTo(objects.size());
    assertThat(r.stdout())
        .contains(
            "deployment.apps/kubedirect-scheduler",
            "networkpolicy.networking.k8s.io/link-replicaset-to-scheduler",
            "poddisruptionbudget.policy/kubedirect-sandbox-manager",
            "clusterrolebinding.rbac.authorization.k8s.io/kubedirect-faas-replicaset",
            "role.rbac.authorization.k8s.io/kubedirect-faas-scheduler-leases",
            "rolebinding.rbac.authorization.k8s.io/kubedirect-faas-sandbox-manager-leases");

    // The dry run validates for real: an unknown field in a Deployment is refused.
    String broken =
        objects.stream()
            .filter(d -> "Deployment".equals(Manifests.kind(d)))
            .findFirst()
            .orElseThrow()
            .replace("  replicas: 2\n", "  replicas: 2\n  replicaz: 1\n");
    Manifests.Result bad = Manifests.kubectl(cp, broken, "apply", "--dry-run=server", "-f", "-");
    assertThat(bad.exitCode()).isNotZero();
    assertThat(bad.stderr()).contains("replicaz");

    // The optional cert-manager kustomization builds (cert-manager's CRDs are not on this API
    // Server).
    Manifests.Result certs =
        Manifests.kubectl(
            cp, null, "kustomize", Manifests.BASE.resolveSibling("cert-manager").toString());
    assertThat(certs.exitCode()).as(certs.stderr()).isZero();
    assertThat(certs.stdout())
        .contains(
            "kind: Certificate",
            "secretName: kubedirect-scheduler-tls",
            "urn:kubedirect:stage:sandbox-manager");
  }

  @Test
  void eachStageMayMakeExactlyItsOwnCalls(LocalControlPlane cp, @TempDir Path tmp)
      throws Exception {
    Manifests.applyIdentities(cp);
    ApiClient admin = cp.apiClient();
    for (String stage : List.of("replicaset", "scheduler", "sandbox-manager")) {
      ApiClient client = Manifests.client(cp, Manifests.token(admin, stage), tmp);
      for (String a : ALLOWED.get(stage)) {
        assertThat(allowed(client, Access.of(a))).as("%s may %s", stage, a).isTrue();
      }
      for (String a : FORBIDDEN.get(stage)) {
        assertThat(allowed(client, Access.of(a))).as("%s may not %s", stage, a).isFalse();
      }
    }

    // Real calls under each identity: one the stage makes succeeds, one it never makes is refused
    // (403).
    ApiClient rs = Manifests.client(cp, Manifests.token(admin, "replicaset"), tmp);
    new AppsV1Api(rs).listReplicaSetForAllNamespaces().limit(1).execute();
    assertForbidden(() -> new CoreV1Api(rs).listNode().limit(1).execute());

    ApiClient scheduler = Manifests.client(cp, Manifests.token(admin, "scheduler"), tmp);
    new CoreV1Api(scheduler).listNode().limit(1).execute();
    assertForbidden(
        () -> new AppsV1Api(scheduler).listReplicaSetForAllNamespaces().limit(1).execute());

    ApiClient sm = Manifests.client(cp, Manifests.token(admin, "sandbox-manager"), tmp);
    new CoreV1Api(sm).listPodForAllNamespaces().limit(1).execute();
    assertForbidden(() -> new CoreV1Api(sm).listNamespacedSecret(Manifests.NAMESPACE).execute());
  }

  private static boolean allowed(ApiClient client, Access a) throws ApiException {
    V1SelfSubjectAccessReview review =
        new V1SelfSubjectAccessReview()
            .spec(
                new V1SelfSubjectAccessReviewSpec()
                    .resourceAttributes(
                        new V1ResourceAttributes()
                            .verb(a.verb())
                            .group(a.group())
                            .resource(a.resource())
                            .subresource(a.subresource())
                            .name(a.name())
                            .namespace(
                                "nodes".equals(a.resource())
                                    ? null
                                    : "leases".equals(a.resource())
                                        ? Manifests.NAMESPACE
                                        : "default")));
    return Boolean.TRUE.equals(
        new AuthorizationV1Api(client)
            .createSelfSubjectAccessReview(review)
            .execute()
            .getStatus()
            .getAllowed());
  }

  private interface Call {
    Object run() throws ApiException;
  }

  private static void assertForbidden(Call call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            ApiException.class,
            e -> assertThat(e.getCode()).as(e.getResponseBody()).isEqualTo(403));
  }
}
