package io.kubedirect.transport;

import java.util.Objects;

/**
 * The identity of the stage at the other end of a link.
 *
 * @param stage the stage name: under TLS taken from the peer certificate (see {@code
 *     docs/protocol.md}, "Identity"), in plaintext the name the peer claimed in its {@code Hello}
 * @param verified true when {@code stage} comes from a certificate that chains to the trusted CA
 * @param subject the certificate subject, or empty in plaintext
 */
public record PeerIdentity(String stage, boolean verified, String subject) {

  public PeerIdentity {
    Objects.requireNonNull(stage, "stage");
    Objects.requireNonNull(subject, "subject");
  }

  /** An identity that rests only on the peer's own claim (plaintext links). */
  public static PeerIdentity unverified(String claimedStage) {
    return new PeerIdentity(claimedStage, false, "");
  }
}
