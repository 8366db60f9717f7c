package io.kubedirect.transport;

import io.kubedirect.protocol.v1.Envelope;

/**
 * Protocol rules every transport applies the same way (see {@code docs/protocol.md}, sections 2 and
 * 3).
 */
public final class LinkRules {

  private LinkRules() {}

  /**
   * Whether {@code body} is a link-level message, which {@link Link#send} accepts and {@link
   * LinkHandler#onMessage} receives; transport-level bodies (hello, credit, heartbeat) and an empty
   * body are not.
   */
  public static boolean isLinkLevel(Envelope.BodyCase body) {
    return switch (body) {
      case HANDSHAKE_REQUEST,
          HANDSHAKE_SNAPSHOT,
          HANDSHAKE_RECONCILE,
          HANDSHAKE_CONFIRM,
          OBJECT_BATCH,
          ACK,
          ERROR ->
          true;
      default -> false;
    };
  }

  /**
   * Whether a stage named {@code stage} serves a Hello addressed to {@code destination}: an empty
   * destination, the same name, or one being an instance of the other ({@code sandbox-manager}
   * serves {@code sandbox-manager/node-1} and vice versa).
   */
  public static boolean serves(String stage, String destination) {
    return destination.isEmpty()
        || destination.equals(stage)
        || destination.startsWith(stage + "/")
        || stage.startsWith(destination + "/");
  }
}
