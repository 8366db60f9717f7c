package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubernetes.client.openapi.models.V1OwnerReference;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import org.junit.jupiter.api.Test;

class PodTemplatesTest {

  private static V1ReplicaSet rs() {
    V1ReplicaSet rs = Workloads.exampleReplicaSet("ns1", "fn", 3);
    rs.getMetadata().setUid("uid-1");
    return rs;
  }

  @Test
  void podCarriesTemplateLabelsOwnerAndSchedulerName() {
    V1Pod pod = PodTemplates.podFor(rs(), "fn-abc", FaasConventions.SCHEDULER_NAME);
    assertThat(pod.getMetadata().getName()).isEqualTo("fn-abc");
    assertThat(pod.getMetadata().getNamespace()).isEqualTo("ns1");
    assertThat(pod.getMetadata().getLabels()).containsEntry(Workloads.APP_LABEL, "fn");
    assertThat(pod.getSpec().getSchedulerName()).isEqualTo(FaasConventions.SCHEDULER_NAME);
    assertThat(pod.getSpec().getContainers()).hasSize(1);
    V1OwnerReference owner = pod.getMetadata().getOwnerReferences().get(0);
    assertThat(owner.getKind()).isEqualTo("ReplicaSet");
    assertThat(owner.getUid()).isEqualTo("uid-1");
    assertThat(owner.getController()).isTrue();
    assertThat(Pods.isControlledBy(pod, "uid-1")).isTrue();
    assertThat(PodTemplates.matchesSelector(rs(), pod)).isTrue();
  }

  @Test
  void podSpecIsACopyNotTheTemplateItself() {
    V1ReplicaSet rs = rs();
    V1Pod pod = PodTemplates.podFor(rs, "fn-abc", FaasConventions.SCHEDULER_NAME);
    pod.getSpec().setNodeName("n1");
    pod.getMetadata().getLabels().put("extra", "x");
    assertThat(rs.getSpec().getTemplate().getSpec().getNodeName()).isNull();
    assertThat(rs.getSpec().getTemplate().getSpec().getSchedulerName()).isNull();
    assertThat(rs.getSpec().getTemplate().getMetadata().getLabels()).doesNotContainKey("extra");
  }

  @Test
  void rejectsReplicaSetWithoutUidOrTemplate() {
    V1ReplicaSet noUid = Workloads.exampleReplicaSet("ns1", "fn", 1);
    assertThatThrownBy(() -> PodTemplates.podFor(noUid, "x", "s"))
        .isInstanceOf(IllegalArgumentException.class);
    V1ReplicaSet noTemplate = rs();
    noTemplate.getSpec().setTemplate(null);
    assertThatThrownBy(() -> PodTemplates.podFor(noTemplate, "x", "s"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void podsAreCreatableDespiteClientJavaEmptyMapDefaults() {
    V1Pod pod = PodTemplates.podFor(rs(), "fn-abc", FaasConventions.SCHEDULER_NAME);
    // an empty overhead map would be sent as "overhead": {} and rejected by RuntimeClass admission
    assertThat(pod.getSpec().getOverhead()).isNull();
    assertThat(io.kubernetes.client.openapi.JSON.serialize(pod)).doesNotContain("overhead");
  }
}
