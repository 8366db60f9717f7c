package io.kubedirect.examples.faas.activator;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReadyEndpointsTest {

  private static final RevisionKey FN = new RevisionKey("ns", "fn");
  private static final RevisionKey OTHER = new RevisionKey("ns", "other");
  private final ReadyEndpoints ready = new ReadyEndpoints();

  private static SandboxEndpoint at(String pod, int port) {
    return new SandboxEndpoint("ns/" + pod, "127.0.0.1", port, 1);
  }

  @Test
  void reportsTheWholeSetOnlyWhenAPodsEndpointChanges() {
    assertThat(ready.apply(FN, "ns/a", null)).as("a pod that was never ready").isEmpty();
    assertThat(ready.apply(FN, "ns/a", at("a", 1))).contains(Set.of(at("a", 1)));
    assertThat(ready.apply(FN, "ns/a", at("a", 1))).as("same endpoint again").isEmpty();
    assertThat(ready.apply(FN, "ns/b", at("b", 2))).contains(Set.of(at("a", 1), at("b", 2)));
    assertThat(ready.apply(FN, "ns/a", at("a", 3))).contains(Set.of(at("a", 3), at("b", 2)));
    assertThat(ready.apply(OTHER, "ns/c", at("c", 4))).contains(Set.of(at("c", 4)));
    assertThat(ready.apply(FN, "ns/b", null)).contains(Set.of(at("a", 3)));
    assertThat(ready.apply(FN, "ns/b", null)).as("already gone").isEmpty();
    assertThat(ready.apply(FN, "ns/a", null)).contains(Set.of());
    assertThat(ready.apply(FN, "ns/a", null)).isEmpty();
    assertThat(ready.apply(OTHER, "ns/c", at("c", 4))).as("unchanged by FN's events").isEmpty();
  }

  @Test
  void clearForgetsEveryFunction() {
    ready.apply(FN, "ns/a", at("a", 1));
    ready.clear();
    assertThat(ready.apply(FN, "ns/a", at("a", 1))).contains(Set.of(at("a", 1)));
  }
}
