package io.kubedirect.runtime.sim;

import io.kubedirect.transport.PeerAddress;

/**
 * The {@code twins} fault: a second live instance of a stage (same stage name, so the receivers
 * take it for that stage), e.g. an old leader that did not notice it lost its lease, or a second
 * replica started without leader election. Its engine dials the same receivers as the real instance
 * and handshakes with them; its controller logic does nothing (two active ReplicaSet controllers
 * would create surplus pods by design: that is leader election's job, not the engine's). It lives
 * for a window and is then killed.
 */
final class TwinProcess extends StageProcess {

  TwinProcess(ChainSimulation sim, String of, int incarnation) {
    super(
        sim,
        of + "-twin",
        incarnation,
        of.equals("scheduler") ? SchedulerProcess.DECL : ReplicaSetProcess.DECL,
        of.equals("scheduler") ? new PeerAddress("scheduler-twin", 7000) : null);
  }

  @Override
  void reconcile() {
    // a standby that still runs its engine: no controller logic
  }

  @Override
  boolean logicIdle() {
    return true;
  }
}
