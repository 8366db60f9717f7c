package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.ErrorCode;
import io.netty.handler.ssl.NotSslRecordException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Locale;

/**
 * A failed TLS handshake or peer-certificate check, classified: a {@link Reason} (the {@code
 * reason} tag of {@value LinkMetrics#TLS_FAILURES}), the {@link ErrorCode} the connection fails
 * with, and a message that says what is wrong.
 */
record TlsFailure(Reason reason, ErrorCode code, String message) {

  /** Why a TLS handshake failed. */
  enum Reason {
    /**
     * A certificate of the peer's chain (or, seen from the client, this stage's own) has expired.
     */
    EXPIRED("expired"),
    /** A certificate is not valid yet (clock skew, or issued for the future). */
    NOT_YET_VALID("not-yet-valid"),
    /** The peer's certificate does not chain to a trusted CA. */
    UNTRUSTED("untrusted"),
    /** The client sent no certificate while the server requires one (mutual TLS). */
    NO_CERTIFICATE("no-certificate"),
    /** The certificate names another stage than the Hello, HelloAck or dialled destination. */
    STAGE_MISMATCH("stage-mismatch"),
    /** The certificate names no stage at all (no stage URI SAN, no CN). */
    NO_STAGE("no-stage"),
    /** The peer aborted the handshake with an alert (it rejected this stage's certificate). */
    REJECTED_BY_PEER("rejected-by-peer"),
    /** The peer does not speak TLS. */
    NOT_TLS("not-tls"),
    /** The connection closed during the handshake. */
    CLOSED("closed"),
    /** Anything else. */
    OTHER("other");

    final String tag;

    Reason(String tag) {
      this.tag = tag;
    }
  }

  /** Thrown by {@link VerifyingTrustManager}: a certificate check failure with its reason. */
  static final class PeerCertificateException extends CertificateException {
    private static final long serialVersionUID = 1L;
    final transient Reason reason;

    PeerCertificateException(Reason reason, String message, Throwable cause) {
      super(message, cause);
      this.reason = reason;
    }
  }

  /**
   * Classifies a handshake failure.
   *
   * @param client whether this side dialled
   * @param ownLeaf this stage's certificate, or null when it has none
   */
  static TlsFailure classify(Throwable cause, boolean client, X509Certificate ownLeaf) {
    Throwable root = cause;
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof PeerCertificateException pce) {
        return new TlsFailure(pce.reason, ErrorCode.UNAUTHORIZED, pce.getMessage());
      }
      if (t instanceof NotSslRecordException) {
        return new TlsFailure(
            Reason.NOT_TLS,
            ErrorCode.MALFORMED,
            "the peer does not speak TLS (a plaintext peer on a TLS port?)");
      }
      root = t;
    }
    String detail = root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    String text = detail.toLowerCase(Locale.ROOT);
    if (!client
        && (text.contains("empty client certificate")
            || text.contains("did_not_return_a_certificate")
            || text.contains("did not return a certificate")
            || text.contains("certificate_required"))) {
      return new TlsFailure(
          Reason.NO_CERTIFICATE,
          ErrorCode.UNAUTHORIZED,
          "the client presented no certificate (or none issued by a CA this server trusts), but this server requires one (mutual TLS)");
    }
    if (client && text.contains("alert")) {
      // TLS 1.3: the server checks the client certificate after the client considers the handshake
      // done, so
      // the client only sees the alert. The JDK sends certificate_unknown or bad_certificate for
      // most problems,
      // so explain from what this side knows about its own certificate.
      String own = ownCertificateProblem(ownLeaf);
      if (text.contains("expired") || (own != null && own.contains("expired"))) {
        return new TlsFailure(
            Reason.EXPIRED,
            ErrorCode.UNAUTHORIZED,
            "the server rejected this stage's certificate: "
                + (own != null ? own : "expired")
                + " ("
                + detail
                + ")");
      }
      if (ownLeaf == null
          && (text.contains("certificate_required")
              || text.contains("bad_certificate")
              || text.contains("handshake_failure"))) {
        return new TlsFailure(
            Reason.NO_CERTIFICATE,
            ErrorCode.UNAUTHORIZED,
            "the server requires a client certificate (mutual TLS) and this stage's TlsConfig has none ("
                + detail
                + ")");
      }
      if (text.contains("certificate_required")) {
        return new TlsFailure(
            Reason.UNTRUSTED,
            ErrorCode.UNAUTHORIZED,
            "the server requires a client certificate from a CA it trusts; this stage's certificate '"
                + ownLeaf.getSubjectX500Principal().getName()
                + "' is issued by '"
                + ownLeaf.getIssuerX500Principal().getName()
                + "' ("
                + detail
                + ")");
      }
      return new TlsFailure(
          Reason.REJECTED_BY_PEER,
          ErrorCode.UNAUTHORIZED,
          "the server rejected the TLS handshake"
              + (own != null ? " (" + own + ")" : "")
              + " ("
              + detail
              + ")");
    }
    if (text.contains("alert")) {
      return new TlsFailure(
          Reason.REJECTED_BY_PEER,
          ErrorCode.UNAUTHORIZED,
          "the client aborted the TLS handshake (" + detail + ")");
    }
    if (root instanceof ClosedChannelException || text.contains("closed")) {
      return new TlsFailure(
          Reason.CLOSED,
          ErrorCode.INTERNAL,
          "connection closed during the TLS handshake (the peer may be at a connection limit) ("
              + detail
              + ")");
    }
    if (text.contains("expired")) {
      return new TlsFailure(
          Reason.EXPIRED, ErrorCode.UNAUTHORIZED, "certificate expired (" + detail + ")");
    }
    if (text.contains("verify")
        || text.contains("unknown_ca")
        || text.contains("certificate_unknown")
        || text.contains("certification path")
        || text.contains("path")) {
      return new TlsFailure(
          Reason.UNTRUSTED, ErrorCode.UNAUTHORIZED, "certificate not trusted (" + detail + ")");
    }
    return new TlsFailure(Reason.OTHER, ErrorCode.UNAUTHORIZED, "TLS failed: " + detail);
  }

  /** "this stage's certificate expired at ...", or null when it is within its validity. */
  static String ownCertificateProblem(X509Certificate ownLeaf) {
    if (ownLeaf == null) {
      return null;
    }
    java.util.Date now = new java.util.Date();
    if (now.after(ownLeaf.getNotAfter())) {
      return "this stage's certificate '"
          + ownLeaf.getSubjectX500Principal().getName()
          + "' expired at "
          + ownLeaf.getNotAfter().toInstant();
    }
    if (now.before(ownLeaf.getNotBefore())) {
      return "this stage's certificate '"
          + ownLeaf.getSubjectX500Principal().getName()
          + "' is not valid before "
          + ownLeaf.getNotBefore().toInstant();
    }
    return null;
  }
}
