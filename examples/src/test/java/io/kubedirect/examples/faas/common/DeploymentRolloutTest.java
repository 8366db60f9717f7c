package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.examples.faas.common.DeploymentRollout.Plan;
import io.kubedirect.examples.faas.common.DeploymentRollout.ReplicaSetState;
import io.kubedirect.examples.faas.common.DeploymentRollout.Strategy;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentRolloutTest {

  private static ReplicaSetState rs(
      String name, int replicas, int actual, int ready, long created) {
    return new ReplicaSetState(name, replicas, actual, ready, created);
  }

  @Test
  void withoutOldReplicaSetsTheNewOneGetsEveryReplica() {
    assertThat(DeploymentRollout.plan(Strategy.ROLLING, 7, rs("new", 3, 3, 3, 10), List.of()))
        .isEqualTo(new Plan(7, List.of()));
  }

  @Test
  void rollingKeepsOldPodsOnlyWhileNewOnesAreNotReady() {
    List<ReplicaSetState> old = List.of(rs("a", 4, 4, 4, 1), rs("b", 2, 2, 2, 2));
    // nothing new is ready: the old ones keep all 6 (newest first: b 2, then a 4)
    assertThat(DeploymentRollout.plan(Strategy.ROLLING, 6, rs("new", 6, 0, 0, 3), old))
        .isEqualTo(new Plan(6, List.of(4, 2)));
    // 3 new ready: 3 old stay, taken from the newest old ReplicaSet first
    assertThat(DeploymentRollout.plan(Strategy.ROLLING, 6, rs("new", 6, 6, 3, 3), old))
        .isEqualTo(new Plan(6, List.of(1, 2)));
    // all new ready: the old ones go to 0
    assertThat(DeploymentRollout.plan(Strategy.ROLLING, 6, rs("new", 6, 6, 6, 3), old))
        .isEqualTo(new Plan(6, List.of(0, 0)));
  }

  @Test
  void rollingNeverGrowsAnOldReplicaSetAndFollowsAScaleDown() {
    List<ReplicaSetState> old = List.of(rs("a", 2, 2, 2, 1));
    assertThat(DeploymentRollout.plan(Strategy.ROLLING, 10, rs("new", 0, 0, 0, 3), old))
        .isEqualTo(new Plan(10, List.of(2)));
    assertThat(DeploymentRollout.plan(Strategy.ROLLING, 1, rs("new", 5, 5, 0, 3), old))
        .isEqualTo(new Plan(1, List.of(1)));
    assertThat(DeploymentRollout.plan(Strategy.ROLLING, 0, rs("new", 5, 5, 0, 3), old))
        .isEqualTo(new Plan(0, List.of(0)));
  }

  @Test
  void recreateStartsTheNewReplicaSetOnlyOnceEveryOldPodIsGone() {
    List<ReplicaSetState> oldRunning = List.of(rs("a", 3, 3, 3, 1));
    assertThat(DeploymentRollout.plan(Strategy.RECREATE, 5, rs("new", 0, 0, 0, 2), oldRunning))
        .isEqualTo(new Plan(0, List.of(0)));
    List<ReplicaSetState> oldGone = List.of(rs("a", 0, 0, 0, 1));
    assertThat(DeploymentRollout.plan(Strategy.RECREATE, 5, rs("new", 0, 0, 0, 2), oldGone))
        .isEqualTo(new Plan(5, List.of(0)));
  }

  @Test
  void strategyNamesAndBadInput() {
    assertThat(Strategy.of("Recreate")).isEqualTo(Strategy.RECREATE);
    assertThat(Strategy.of("RollingUpdate")).isEqualTo(Strategy.ROLLING);
    assertThat(Strategy.of(null)).isEqualTo(Strategy.ROLLING);
    assertThatThrownBy(
            () -> DeploymentRollout.plan(Strategy.ROLLING, -1, rs("n", 0, 0, 0, 0), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
