package io.kubedirect.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import org.junit.jupiter.api.Test;

class StageDeclarationTest {

  @DirectStage(
      name = "scheduler",
      upstream = "replicaset",
      downstream = "sandbox-manager",
      receives = V1Pod.class,
      emits = V1Pod.class)
  static final class Scheduler {}

  @DirectStage(name = "Bad_Name")
  static final class Bad {}

  static final class NotAnnotated {}

  @Test
  void buildsAndExposesTheDeclaration() {
    StageDeclaration s =
        StageDeclaration.builder("scheduler")
            .upstream("replicaset", "replicaset")
            .downstream("sandbox-manager")
            .receives(V1Pod.class)
            .emits(V1Pod.class)
            .build();
    assertThat(s.name()).isEqualTo("scheduler");
    assertThat(s.upstreams()).containsExactly("replicaset");
    assertThat(s.downstreams()).containsExactly("sandbox-manager");
    assertThat(s.receivedKinds()).containsExactly(V1Pod.class);
    assertThat(s.emittedKinds()).containsExactly(V1Pod.class);
    assertThat(s.receives(V1Pod.class)).isTrue();
    assertThat(s.emits(V1ReplicaSet.class)).isFalse();
    assertThat(s.hasUpstream("replicaset")).isTrue();
    assertThat(s).isEqualTo(StageDeclaration.fromAnnotated(Scheduler.class));
  }

  @Test
  void rejectsInvalidDeclarations() {
    assertThatThrownBy(() -> StageDeclaration.builder("Scheduler").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("DNS label");
    assertThatThrownBy(
            () -> StageDeclaration.builder("a").upstream("b_c").receives(V1Pod.class).build())
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(
            () -> StageDeclaration.builder("a").downstream("a").emits(V1Pod.class).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("own");
    assertThatThrownBy(() -> StageDeclaration.builder("a").upstream("b").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("receives no kind");
    assertThatThrownBy(() -> StageDeclaration.builder("a").downstream("b").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("emits no kind");
    assertThatThrownBy(() -> StageDeclaration.fromAnnotated(Bad.class))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StageDeclaration.fromAnnotated(NotAnnotated.class))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not annotated");
  }

  @DirectStage(
      name = "sandbox-manager",
      upstream = "scheduler",
      receives = V1Pod.class,
      subscribers = "activator")
  static final class SandboxManager {}

  @Test
  void subscribersObserveThePublishedKinds() {
    StageDeclaration s = StageDeclaration.fromAnnotated(SandboxManager.class);
    assertThat(s.subscribers()).containsExactly("activator");
    assertThat(s.publishedKinds())
        .as("default: what it receives or emits")
        .containsExactly(V1Pod.class);
    assertThat(s.downstreams()).isEmpty();
    assertThat(s)
        .isEqualTo(
            StageDeclaration.builder("sandbox-manager")
                .upstream("scheduler")
                .receives(V1Pod.class)
                .subscribers("activator")
                .publishes(V1Pod.class)
                .build());
    assertThat(s.toString()).contains("subscribers=[activator]");
    assertThat(StageDeclaration.builder("a").build().publishedKinds()).isEmpty();
  }

  @Test
  void rejectsInvalidSubscribers() {
    assertThatThrownBy(
            () ->
                StageDeclaration.builder("scheduler")
                    .downstream("sandbox-manager")
                    .emits(V1Pod.class)
                    .subscribers("sandbox-manager")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(
            "'sandbox-manager' is both a downstream and a subscriber of 'scheduler'");
    assertThatThrownBy(
            () ->
                StageDeclaration.builder("a")
                    .upstream("b")
                    .receives(V1Pod.class)
                    .subscribers("b")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("both an upstream and a subscriber");
    assertThatThrownBy(
            () -> StageDeclaration.builder("a").subscribers("a").receives(V1Pod.class).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("own subscriber");
    assertThatThrownBy(
            () ->
                StageDeclaration.builder("a")
                    .upstream("b")
                    .receives(V1Pod.class)
                    .publishes(V1Pod.class)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no subscribers");
    assertThatThrownBy(
            () ->
                StageDeclaration.builder("a")
                    .upstream("b")
                    .receives(V1Pod.class)
                    .subscribers("c")
                    .publishes(V1ReplicaSet.class)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("publishes V1ReplicaSet but neither receives nor emits it");
    assertThatThrownBy(() -> StageDeclaration.builder("a").subscribers("c").build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("nothing to publish");
  }

  @Test
  void aStandaloneStageNeedsNoKinds() {
    assertThat(StageDeclaration.builder("standalone").build().upstreams()).isEmpty();
  }

  @Test
  void labelValuesAreParsed() {
    assertThat(KubeDirectLabels.isTrue("true")).isTrue();
    assertThat(KubeDirectLabels.isTrue("TRUE")).isTrue();
    assertThat(KubeDirectLabels.isTrue(null)).isFalse();
    assertThat(KubeDirectLabels.MANAGED).isEqualTo("kubedirect.io/managed");
    assertThat(KubeDirectLabels.FALLBACK).isEqualTo("kubedirect.io/fallback");
  }
}
