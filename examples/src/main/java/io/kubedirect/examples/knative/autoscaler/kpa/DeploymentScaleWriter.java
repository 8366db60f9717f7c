package io.kubedirect.examples.knative.autoscaler.kpa;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Scale;
import io.kubernetes.client.util.PatchUtils;
import java.util.Objects;
import java.util.function.Function;

/**
 * The plain {@link ScaleWriter}: patches the Deployment's {@code scale} subresource through the API
 * Server with the same JSON patch Knative sends, {@code
 * [{"op":"add","path":"/spec/replicas","value":N}]}.
 */
public final class DeploymentScaleWriter implements ScaleWriter {

  private final AppsV1Api api;
  private final Function<RevisionKey, String> deploymentName;

  /** A writer whose Deployment for revision {@code r} is named {@code deploymentName.apply(r)}. */
  public DeploymentScaleWriter(AppsV1Api api, Function<RevisionKey, String> deploymentName) {
    this.api = Objects.requireNonNull(api, "api");
    this.deploymentName = Objects.requireNonNull(deploymentName, "deploymentName");
  }

  /** Knative's patch body for {@code replicas}. */
  public static String patchBody(int replicas) {
    return "[{\"op\":\"add\",\"path\":\"/spec/replicas\",\"value\":" + replicas + "}]";
  }

  @Override
  public void writeScale(RevisionKey revision, int replicas) throws ApiException {
    String name = deploymentName.apply(revision);
    V1Patch patch = new V1Patch(patchBody(replicas));
    PatchUtils.patch(
        V1Scale.class,
        () -> api.patchNamespacedDeploymentScale(name, revision.namespace(), patch).buildCall(null),
        V1Patch.PATCH_FORMAT_JSON_PATCH,
        api.getApiClient());
  }
}
