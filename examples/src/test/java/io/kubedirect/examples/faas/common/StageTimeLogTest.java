package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class StageTimeLogTest {

  @Test
  void keepsEveryReconcileStartOfAnObjectUpToTheCap() {
    StageTimeLog log = new StageTimeLog();
    for (int i = 0; i < StageTimeLog.MAX_TIMES + 5; i++) {
      log.handled("autoscaler", "bench", "f00001", 100 + i);
    }
    List<Long> times = log.snapshot().handled().get("autoscaler").get("bench/f00001");
    assertThat(times).hasSize(StageTimeLog.MAX_TIMES).startsWith(100L, 101L);
  }

  @Test
  void firstFindsTheFunctionsObjectsAtOrAfterTheStartOnly() {
    StageTimeLog log = new StageTimeLog();
    log.handled("autoscaler", "bench", "f00001", 50); // during the sync, before the run
    log.handled("autoscaler", "bench", "f00001", 300);
    log.handled("replicaset", "bench", "f00001-7d9f", 320);
    log.handled("sandbox-manager", "bench", "f00001-7d9f-abcde", 400);
    log.handled("sandbox-manager", "bench", "f000010-7d9f-abcde", 390); // another function
    log.handled("sandbox-manager", "other", "f00001-7d9f-abcde", 380); // another namespace
    StageTimeLog.Snapshot s = log.snapshot();
    assertThat(s.first("autoscaler", "bench", "f00001", 200)).isEqualTo(300);
    assertThat(s.first("autoscaler", "bench", "f00001", 0)).isEqualTo(50);
    assertThat(s.first("replicaset", "bench", "f00001", 200)).isEqualTo(320);
    assertThat(s.first("sandbox-manager", "bench", "f00001", 200)).isEqualTo(400);
    assertThat(s.first("scheduler", "bench", "f00001", 200)).isEqualTo(-1);
    assertThat(s.first("autoscaler", "bench", "f00001", 301)).isEqualTo(-1);
  }

  @Test
  void scaledToIsTheFirstChangeReachingTheScaleSinceTheStart() {
    StageTimeLog log = new StageTimeLog();
    log.scaled("bench", "fn", 0, 10);
    log.scaled("bench", "fn", 0, 20); // unchanged: not recorded
    log.scaled("bench", "fn", 400, 110);
    log.scaled("bench", "fn", 1000, 130);
    log.scaled("bench", "fn", 1000, 140);
    StageTimeLog.Snapshot s = log.snapshot();
    assertThat(s.scaled().get("bench/fn")).hasSize(3);
    assertThat(s.scaledTo("bench", "fn", 1000, 100)).isEqualTo(130);
    assertThat(s.scaledTo("bench", "fn", 300, 100)).isEqualTo(110);
    assertThat(s.scaledTo("bench", "fn", 1001, 100)).isEqualTo(-1);
    assertThat(s.scaledTo("bench", "fn", 1000, 200))
        .as("wanted since before the start: counts from the start")
        .isEqualTo(200);
    assertThat(s.scaledTo("bench", "other", 1, 0)).isEqualTo(-1);
  }

  @Test
  void jsonRoundTripKeepsEveryTimeAndScale() {
    StageTimeLog log = new StageTimeLog();
    long big = 9_876_543_210_123_457L; // more digits than a double holds exactly
    log.handled("scheduler", "bench", "fn-abc-xyz", big);
    log.handled("scheduler", "bench", "fn-abc-xyz", big + 1);
    log.scaled("bench", "fn", 1000, big + 2);
    StageTimeLog.Snapshot s = log.snapshot();
    String json = s.toJson();
    assertThat(json).contains("\"handled\"").contains("\"scaled\"").contains("\"nanoTime\"");
    StageTimeLog.Snapshot back = StageTimeLog.Snapshot.fromJson(json);
    assertThat(back).isEqualTo(s);
    assertThat(back.handled().get("scheduler").get("bench/fn-abc-xyz"))
        .containsExactly(big, big + 1);
    assertThat(back.scaled().get("bench/fn"))
        .containsExactly(new StageTimeLog.Scale(big + 2, 1000));
  }

  @Test
  void fromJsonRejectsWhatIsNotAStageTimesDocument() {
    assertThatThrownBy(() -> StageTimeLog.Snapshot.fromJson("<html>"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a stage-times document");
    assertThatThrownBy(() -> StageTimeLog.Snapshot.fromJson(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("empty");
    assertThat(StageTimeLog.Snapshot.fromJson("{\"nanoTime\":5}").handled()).isEmpty();
  }

  @Test
  void shiftAndMergeMoveEveryTimeAndJoinTheStages() {
    StageTimeLog a = new StageTimeLog();
    a.handled("autoscaler", "bench", "fn", 100);
    a.scaled("bench", "fn", 3, 110);
    StageTimeLog b = new StageTimeLog();
    b.handled("scheduler", "bench", "fn-h-p", 200);
    StageTimeLog.Snapshot merged =
        StageTimeLog.Snapshot.merge(List.of(a.snapshot().shifted(1000), b.snapshot()));
    assertThat(merged.first("autoscaler", "bench", "fn", 0)).isEqualTo(1100);
    assertThat(merged.first("scheduler", "bench", "fn", 0)).isEqualTo(200);
    assertThat(merged.scaledTo("bench", "fn", 3, 0)).isEqualTo(1110);
  }

  @Test
  void recordsThroughTheStageTimesHookOnceInstalled() {
    StageTimeLog log = new StageTimeLog();
    StageTimes.handled("deployment", "bench", "fn"); // nothing installed: dropped
    StageTimes.install(log);
    try {
      StageTimes.handled("deployment", "bench", "fn");
      StageTimes.scaled("bench", "fn", 7);
    } finally {
      StageTimes.uninstall(log);
    }
    StageTimeLog.Snapshot s = log.snapshot();
    assertThat(s.handled().get("deployment").get("bench/fn")).hasSize(1);
    assertThat(s.scaledTo("bench", "fn", 7, 0)).isPositive();
  }
}
