package io.kubedirect.examples.faas.common;

import static io.kubedirect.examples.faas.common.TestPods.node;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NodeChooserTest {

  @Test
  void picksTheLeastLoadedEligibleNode() {
    var nodes =
        List.of(
            node("a", true, true, false),
            node("b", true, true, false),
            node("c", true, true, false));
    assertThat(NodeChooser.choose(nodes, Map.of("a", 3, "b", 1, "c", 2))).contains("b");
  }

  @Test
  void breaksTiesByNameWhateverTheInputOrder() {
    var nodes =
        List.of(
            node("n-2", true, true, false),
            node("n-10", true, true, false),
            node("n-1", true, true, false));
    assertThat(NodeChooser.choose(nodes, Map.of())).contains("n-1");
    assertThat(NodeChooser.choose(List.of(nodes.get(2), nodes.get(1), nodes.get(0)), Map.of()))
        .contains("n-1");
  }

  @Test
  void skipsNodesOutsideThePoolNotReadyOrCordoned() {
    var nodes =
        List.of(
            node("other", false, true, false),
            node("down", true, false, false),
            node("cordoned", true, true, true),
            node("ok", true, true, false));
    assertThat(NodeChooser.choose(nodes, Map.of("ok", 100))).contains("ok");
    assertThat(NodeChooser.choose(nodes.subList(0, 3), Map.of())).isEmpty();
  }

  @Test
  void spreadsABurstEvenly() {
    var nodes =
        List.of(
            node("a", true, true, false),
            node("b", true, true, false),
            node("c", true, true, false));
    java.util.Map<String, Integer> load = new java.util.HashMap<>();
    for (int i = 0; i < 30; i++) {
      String n = NodeChooser.choose(nodes, load).orElseThrow();
      load.merge(n, 1, Integer::sum);
    }
    assertThat(load).containsExactlyInAnyOrderEntriesOf(Map.of("a", 10, "b", 10, "c", 10));
  }
}
