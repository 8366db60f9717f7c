package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PodTemplateHashTest {

  @Test
  void sameTemplateSameHashWhateverTheMapOrderAndTheHashLabel() {
    V1PodTemplateSpec a = Workloads.template("fn");
    Map<String, String> ab = new LinkedHashMap<>();
    ab.put("x", "1");
    ab.put("y", "2");
    Map<String, String> ba = new LinkedHashMap<>();
    ba.put("y", "2");
    ba.put("x", "1");
    a.getMetadata().annotations(ab);
    V1PodTemplateSpec b = Workloads.template("fn");
    b.getMetadata().annotations(ba);
    b.getMetadata()
        .labels(
            Map.of(
                FaasConventions.FUNCTION_LABEL,
                "fn",
                FaasConventions.POD_TEMPLATE_HASH_LABEL,
                "zz"));
    assertThat(PodTemplateHash.of(a, null))
        .isEqualTo(PodTemplateHash.of(b, null))
        .matches("[bcdfghjklmnpqrstvwxz2456789]+");
  }

  @Test
  void aChangedTemplateOrCollisionCountChangesTheHash() {
    V1PodTemplateSpec a = Workloads.template("fn");
    V1PodTemplateSpec b = Workloads.template("fn");
    b.getMetadata().annotations(Map.of("faas.kubedirect.io/service-time-ms", "80"));
    assertThat(PodTemplateHash.of(a, null)).isNotEqualTo(PodTemplateHash.of(b, null));
    assertThat(PodTemplateHash.of(a, 1))
        .isNotEqualTo(PodTemplateHash.of(a, null))
        .isNotEqualTo(PodTemplateHash.of(a, 2));
  }
}
