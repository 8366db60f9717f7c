package io.kubedirect.runtime.internal.codec;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.runtime.internal.codec.bench.CodecSizeReport;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Wire size is deterministic, so it is asserted (timing is not; see the bench mains). */
class CodecSizeTest {

  @Test
  void burstOfOneThousandPodsCostsAtMost150BytesPerPod() {
    int full = TestObjects.fullApiServerJson(0).getBytes(StandardCharsets.UTF_8).length;
    CodecSizeReport.Burst burst =
        CodecSizeReport.burst(ObjectCodec.create(), 1000, 100, CodecSizeReport::scheduledPod);

    assertThat(full).isBetween(15_000, 20_000);
    assertThat(burst.templates()).isEqualTo(1);
    assertThat(burst.batches()).isEqualTo(10);
    assertThat(burst.perPod()).isLessThanOrEqualTo(150.0);
  }

  @Test
  void withoutTemplatesEveryPodCarriesItsWholeJson() {
    CodecSizeReport.Burst plain =
        CodecSizeReport.burst(
            ObjectCodec.builder().useTemplates(false).build(),
            100,
            100,
            CodecSizeReport::scheduledPod);
    assertThat(plain.perPod()).isGreaterThan(5_000);
  }
}
