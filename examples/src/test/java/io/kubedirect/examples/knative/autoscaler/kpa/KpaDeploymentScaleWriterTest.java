package io.kubedirect.examples.knative.autoscaler.kpa;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.atLeastOnce;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiResponse;
import io.kubernetes.client.openapi.apis.AppsV1Api;
import io.kubernetes.client.openapi.models.V1Scale;
import java.lang.reflect.Type;
import java.util.Map;
import okhttp3.Call;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import org.junit.jupiter.api.Test;
import org.mockito.ArgumentCaptor;

/** The plain scale writer sends Knative's JSON patch to the Deployment's scale subresource. */
class KpaDeploymentScaleWriterTest {

  @Test
  void patchesTheScaleSubresourceWithKnativesJsonPatch() throws Exception {
    AppsV1Api api = mock(AppsV1Api.class);
    ApiClient client = mock(ApiClient.class);
    AppsV1Api.APIpatchNamespacedDeploymentScaleRequest request =
        mock(AppsV1Api.APIpatchNamespacedDeploymentScaleRequest.class);
    OkHttpClient http = new OkHttpClient();
    Call call =
        http.newCall(
            new Request.Builder()
                .url("http://api/apis/apps/v1/namespaces/ns/deployments/fn-deployment/scale")
                .patch(RequestBody.create("{}", MediaType.get("application/json")))
                .build());
    when(api.getApiClient()).thenReturn(client);
    when(api.patchNamespacedDeploymentScale(eq("fn-deployment"), eq("ns"), any()))
        .thenReturn(request);
    when(request.buildCall(null)).thenReturn(call);
    when(client.getHttpClient()).thenReturn(http);
    ArgumentCaptor<Call> sent = ArgumentCaptor.forClass(Call.class);
    when(client.execute(sent.capture(), any(Type.class)))
        .thenReturn(new ApiResponse<>(200, Map.of(), new V1Scale()));

    new DeploymentScaleWriter(api, r -> r.name() + "-deployment")
        .writeScale(new RevisionKey("ns", "fn"), 7);

    // PatchUtils builds the call more than once; every build carries the same patch.
    ArgumentCaptor<V1Patch> patch = ArgumentCaptor.forClass(V1Patch.class);
    verify(api, atLeastOnce())
        .patchNamespacedDeploymentScale(eq("fn-deployment"), eq("ns"), patch.capture());
    assertThat(patch.getValue().getValue())
        .isEqualTo("[{\"op\":\"add\",\"path\":\"/spec/replicas\",\"value\":7}]");
    assertThat(String.valueOf(sent.getValue().request().body().contentType()))
        .startsWith(V1Patch.PATCH_FORMAT_JSON_PATCH);
  }
}
