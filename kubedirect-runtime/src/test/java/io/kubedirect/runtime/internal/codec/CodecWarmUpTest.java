package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.List;
import org.junit.jupiter.api.Test;

class CodecWarmUpTest {

  @Test
  void everyRegisteredKindMakesTheRoundTripAndAnUnknownOneIsSkipped() {
    int done =
        CodecWarmUp.run(
            ObjectCodec.create(),
            new JSON(),
            List.of(Kinds.of(V1Pod.class), "apps/v1/ReplicaSet", "example.com/v9/NoSuchKind"));
    assertThat(done).isEqualTo(2);
  }

  @Test
  void samplesCarryTheKindAndDistinctNames() throws Exception {
    var a = CodecWarmUp.sample(Kinds.of(V1Pod.class), 0);
    var b = CodecWarmUp.sample(Kinds.of(V1Pod.class), 1);
    assertThat(a).isInstanceOf(V1Pod.class);
    assertThat(a.getKind()).isEqualTo("Pod");
    assertThat(a.getApiVersion()).isEqualTo("v1");
    assertThat(a.getMetadata().getName()).isNotEqualTo(b.getMetadata().getName());
    assertThat(a.getMetadata().getUid()).isNotEqualTo(b.getMetadata().getUid());
  }
}
