package io.kubedirect.examples.bench.ceiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.bench.ceiling.CeilingOptions.ContentType;
import io.kubedirect.examples.bench.ceiling.CeilingOptions.StatusWrite;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CeilingOptionsTest {

  @Test
  void defaultsSweepBothContentTypesOverSevenConcurrencies() {
    CeilingOptions o = CeilingOptions.parse();
    assertThat(o.pods()).isEqualTo(1000);
    assertThat(o.concurrency()).containsExactly(1, 2, 4, 8, 16, 32, 64);
    assertThat(o.contentTypes())
        .containsExactly(ContentType.JSON, ContentType.PROTOBUF, ContentType.WRITE_BACK);
    assertThat(o.statusWrites()).containsExactly(StatusWrite.PATCH);
    assertThat(o.watchers()).isZero();
    assertThat(o.out()).isEqualTo(Path.of("target", "write-ceiling.json"));
  }

  @Test
  void everyFlagIsParsed() {
    CeilingOptions o =
        CeilingOptions.parse(
            "--pods",
            "50",
            "--warmup",
            "0",
            "--concurrency",
            "3, 9",
            "--content-types",
            "PROTOBUF",
            "--status",
            "put,patch",
            "--watchers",
            "4",
            "--out",
            "x/r.json");
    assertThat(o.pods()).isEqualTo(50);
    assertThat(o.warmupPods()).isZero();
    assertThat(o.concurrency()).isEqualTo(List.of(3, 9));
    assertThat(o.contentTypes()).containsExactly(ContentType.PROTOBUF);
    assertThat(o.statusWrites()).containsExactly(StatusWrite.PUT, StatusWrite.PATCH);
    assertThat(o.watchers()).isEqualTo(4);
    assertThat(o.out()).isEqualTo(Path.of("x/r.json"));
  }

  @Test
  void badInputGetsAClearMessage() {
    assertThatThrownBy(() -> CeilingOptions.parse("--pods", "0"))
        .hasMessage("--pods must be at least 1, got 0");
    assertThatThrownBy(() -> CeilingOptions.parse("--pods", "many"))
        .hasMessage("--pods needs a whole number, got 'many'");
    assertThatThrownBy(() -> CeilingOptions.parse("--concurrency", " , "))
        .hasMessageContaining("--concurrency needs at least one value");
    assertThatThrownBy(() -> CeilingOptions.parse("--content-types", "xml"))
        .hasMessage("--content-types: unknown value 'xml' (one of json, protobuf, write-back)");
    assertThatThrownBy(() -> CeilingOptions.parse("--status", "apply"))
        .hasMessage("--status: unknown value 'apply' (one of patch, put)");
    assertThatThrownBy(() -> CeilingOptions.parse("--watchers", "-1"))
        .hasMessage("--watchers must not be negative, got -1");
    assertThatThrownBy(() -> CeilingOptions.parse("--pods")).hasMessage("--pods needs a value");
    assertThatThrownBy(() -> CeilingOptions.parse("--bogus", "1"))
        .hasMessage("unknown option --bogus");
  }
}
