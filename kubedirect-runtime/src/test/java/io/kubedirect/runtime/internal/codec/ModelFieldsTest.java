package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.internal.codec.bench.CodecSizeReport;
import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Unit tests of the reflection helpers behind the codec's fast paths. */
class ModelFieldsTest {

  @Test
  void shallowCopyIsANewInstanceSharingEveryFieldValue() {
    V1Pod pod = CodecSizeReport.scheduledPod(3);
    V1Pod copy = ModelFields.shallowCopy(pod);
    assertThat(copy).isNotSameAs(pod).isEqualTo(pod);
    assertThat(copy.getSpec()).isSameAs(pod.getSpec());
    V1ObjectMeta meta = ModelFields.shallowCopy(pod.getMetadata());
    meta.setName("other");
    assertThat(pod.getMetadata().getName()).isNotEqualTo("other");
    assertThat(meta.getLabels()).isSameAs(pod.getMetadata().getLabels());
  }

  @Test
  void sameJsonFollowsTheSerialisedFormNotModelEquality() {
    Quantity gi = Quantity.fromString("1Gi");
    Quantity plain = new Quantity(gi.getNumber(), Quantity.Format.DECIMAL_SI);
    assertThat(gi).isEqualTo(plain);
    assertThat(ModelFields.sameJson(gi, plain)).isFalse();
    assertThat(ModelFields.sameJson(gi, Quantity.fromString("1Gi"))).isTrue();
    assertThat(ModelFields.sameJson(new BigDecimal("1.0"), new BigDecimal("1"))).isFalse();
    assertThat(ModelFields.sameJson(new IntOrString(8080), new IntOrString("8080"))).isFalse();
    assertThat(ModelFields.sameJson(new IntOrString("http"), new IntOrString("http"))).isTrue();
    assertThat(ModelFields.sameJson(List.of("a", "b"), List.of("b", "a"))).isFalse();
    // JSON objects: key order does not matter (the codec sorts keys).
    assertThat(
            ModelFields.sameJson(
                Map.of("a", "1", "b", "2"),
                new java.util.LinkedHashMap<>(Map.of("b", "2", "a", "1"))))
        .isTrue();
    assertThat(ModelFields.sameJson(Map.of("a", "1"), Map.of("a", "2"))).isFalse();
    // Values of unknown types are never assumed equal unless identical.
    assertThat(ModelFields.sameJson(new StringBuilder("x"), new StringBuilder("x"))).isFalse();
  }

  @Test
  void sameJsonOnWholePodsAgreesWithTheirJson() {
    V1Pod a = CodecSizeReport.scheduledPod(1);
    V1Pod b = CodecSizeReport.scheduledPod(1);
    assertThat(ModelFields.sameJson(a, b)).isTrue();
    assertThat(JSON.serialize(a)).isEqualTo(JSON.serialize(b));
    b.getSpec().getContainers().get(1).getEnv().get(0).setValue("changed");
    assertThat(ModelFields.sameJson(a, b)).isFalse();
    assertThat(
            ModelFields.sameJsonExcept(
                a.getMetadata(),
                CodecSizeReport.scheduledPod(2).getMetadata(),
                Set.of("name", "uid", "creationTimestamp")))
        .isTrue();
    assertThat(
            ModelFields.sameJsonExcept(
                a.getMetadata(),
                CodecSizeReport.scheduledPod(2).getMetadata(),
                Set.of("name", "uid")))
        .isFalse();
  }

  @Test
  void onlyClientJavaModelsAreSupported() {
    assertThat(ModelFields.supports(V1Pod.class)).isTrue();
    assertThat(ModelFields.supports(String.class)).isFalse();
  }
}
