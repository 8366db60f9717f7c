package io.kubedirect.runtime.sim;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.openapi.models.V1Pod;

/**
 * A subscriber of the sandbox managers (a router/activator): it only observes the pods they
 * publish, next to its own informer view of persisted pods, and writes nothing. At quiescence it
 * must hold no ephemeral pod and its view must equal the API Server's pods, whatever happened to
 * its links.
 */
final class ActivatorProcess extends StageProcess {

  static final StageDeclaration DECL =
      StageDeclaration.builder("activator")
          .upstream("sandbox-manager")
          .receives(V1Pod.class)
          .build();
  static final PeerAddress ADDRESS = new PeerAddress("activator", 7100);

  ActivatorProcess(ChainSimulation sim, int incarnation) {
    super(sim, "activator", incarnation, DECL, ADDRESS);
  }

  @Override
  void reconcile() {}

  @Override
  boolean logicIdle() {
    return true;
  }
}
