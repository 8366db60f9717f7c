package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.bench.ceiling.CeilingOptions.ContentType;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.StatusWrite;
import io.kubedirect.examples.bench.ceiling.CeilingPods;
import io.kubedirect.examples.bench.ceiling.CeilingResult;
import io.kubedirect.examples.bench.ceiling.WriteCeiling;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code WriteCeiling}'s writers against the real API Server: every content type and status write
 * leaves exactly the pods it claims, bound to their nodes and Ready, with the protobuf answers
 * decoded (a failed write or decode fails the combination).
 */
@LocalKubernetes
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class WriteCeilingIT {

  private static final int PODS = 20;

  @Test
  void everyCombinationWritesReadyBoundPods(ApiClient api) throws Exception {
    AtomicInteger namespaces = new AtomicInteger(1000);
    CoreV1Api core = new CoreV1Api(api);
    for (ContentType type : ContentType.values()) {
      for (StatusWrite status : StatusWrite.values()) {
        CeilingResult r = WriteCeiling.combination(api, namespaces, type, status, 4, PODS);
        assertThat(r.error()).as(type + "/" + status).isNull();
        assertThat(r.pods()).isEqualTo(PODS);
        assertThat(r.writes()).isEqualTo(2L * PODS);

        List<V1Pod> pods =
            core.listNamespacedPod("ceiling-" + namespaces.get()).execute().getItems();
        assertThat(pods).as(type + "/" + status).hasSize(PODS);
        Set<String> ips = new HashSet<>();
        for (V1Pod p : pods) {
          int index = Integer.parseInt(p.getMetadata().getName().substring(2));
          assertThat(p.getSpec().getNodeName()).isEqualTo(CeilingPods.node(index));
          assertThat(p.getStatus().getPhase()).isEqualTo("Running");
          assertThat(p.getStatus().getConditions())
              .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
          assertThat(p.getStatus().getPodIP()).isEqualTo(CeilingPods.podIp(index));
          ips.add(p.getStatus().getPodIP());
        }
        assertThat(ips).hasSize(PODS);
      }
    }
  }
}
