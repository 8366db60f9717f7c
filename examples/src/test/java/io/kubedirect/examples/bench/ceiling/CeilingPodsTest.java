package io.kubedirect.examples.bench.ceiling;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.gson.JsonParser;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.proto.Runtime;
import io.kubernetes.client.proto.V1;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class CeilingPodsTest {

  static final OffsetDateTime START = OffsetDateTime.of(2026, 1, 2, 3, 4, 5, 0, ZoneOffset.UTC);

  @Test
  void jsonAndProtobufPodsCarryTheSameFields() {
    V1Pod json = CeilingPods.json("ns", 42);
    V1.Pod proto = CeilingPods.proto("ns", 42);
    assertThat(proto.getMetadata().getName())
        .isEqualTo(json.getMetadata().getName())
        .isEqualTo("p-000042");
    assertThat(proto.getMetadata().getNamespace()).isEqualTo("ns");
    assertThat(proto.getMetadata().getLabelsMap()).isEqualTo(json.getMetadata().getLabels());
    assertThat(proto.getSpec().getNodeName())
        .isEqualTo(json.getSpec().getNodeName())
        .isEqualTo("pool-02");
    assertThat(proto.getSpec().getNodeSelectorMap()).isEqualTo(json.getSpec().getNodeSelector());
    assertThat(proto.getSpec().getTerminationGracePeriodSeconds())
        .isEqualTo(json.getSpec().getTerminationGracePeriodSeconds());
    assertThat(proto.getSpec().getContainersList()).hasSize(1);
    assertThat(proto.getSpec().getContainers(0).getImage())
        .isEqualTo(json.getSpec().getContainers().get(0).getImage());
    assertThat(json.getStatus()).isNull();
    assertThat(proto.hasStatus()).isFalse();
  }

  @Test
  void bothStatusesSayReadyWithTheSameIp() {
    var json = CeilingPods.jsonStatus(CeilingPods.json("ns", 7), 7, START);
    V1.PodStatus proto = CeilingPods.protoStatus(CeilingPods.proto("ns", 7), 7, START);
    assertThat(proto.getPhase()).isEqualTo(json.getPhase()).isEqualTo("Running");
    assertThat(proto.getPodIP()).isEqualTo(json.getPodIP()).isEqualTo("10.0.0.8");
    assertThat(proto.getConditionsList())
        .extracting(V1.PodCondition::getType)
        .containsExactly("PodScheduled", "Initialized", "ContainersReady", "Ready");
    assertThat(json.getConditions())
        .extracting(c -> c.getType())
        .containsExactly("PodScheduled", "Initialized", "ContainersReady", "Ready");
    assertThat(proto.getStartTime().getSeconds()).isEqualTo(START.toEpochSecond());
    assertThat(proto.getContainerStatuses(0).getContainerID())
        .isEqualTo(json.getContainerStatuses().get(0).getContainerID());
  }

  @Test
  void podIpsAreUniqueAndBounded() {
    assertThat(CeilingPods.podIp(0)).isEqualTo("10.0.0.1");
    assertThat(CeilingPods.podIp(255)).isEqualTo("10.0.1.0");
    assertThat(CeilingPods.podIp(70_000)).isEqualTo("10.1.17.113");
    assertThatThrownBy(() -> CeilingPods.podIp(-1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theStatusPatchReplacesTheWholeStatus() {
    var status = CeilingPods.jsonStatus(CeilingPods.json("ns", 1), 1, START);
    var patch = JsonParser.parseString(CeilingPods.statusPatch(status)).getAsJsonArray();
    assertThat(patch).hasSize(1);
    var op = patch.get(0).getAsJsonObject();
    assertThat(op.get("op").getAsString()).isEqualTo("replace");
    assertThat(op.get("path").getAsString()).isEqualTo("/status");
    assertThat(op.getAsJsonObject("value").get("podIP").getAsString()).isEqualTo("10.0.0.2");
  }

  @Test
  void aProtobufAnswerIsUnwrappedFromItsEnvelope() throws IOException {
    V1.Pod pod = CeilingPods.proto("ns", 3);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(PodWriter.PROTOBUF_MAGIC);
    Runtime.Unknown.newBuilder().setRaw(pod.toByteString()).build().writeTo(out);
    assertThat(V1.Pod.parseFrom(PodWriter.unwrap(out.toByteArray()))).isEqualTo(pod);
    assertThatThrownBy(() -> PodWriter.unwrap("{\"kind\":\"Status\"}".getBytes()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("not a protobuf-encoded");
  }
}
