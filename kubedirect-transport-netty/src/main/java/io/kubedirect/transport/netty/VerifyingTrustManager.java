package io.kubedirect.transport.netty;

import java.net.Socket;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * PKIX validation against the configured trust anchors (the JDK's trust manager does the work),
 * with failures explained: an expired or not yet valid certificate, or one that does not chain to a
 * trusted CA, fails with a {@link TlsFailure.PeerCertificateException} that names the certificate
 * and the problem.
 */
final class VerifyingTrustManager extends X509ExtendedTrustManager {

  private final X509ExtendedTrustManager delegate;

  private VerifyingTrustManager(X509ExtendedTrustManager delegate) {
    this.delegate = delegate;
  }

  static VerifyingTrustManager of(List<X509Certificate> anchors) throws Exception {
    KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
    store.load(null, null);
    int i = 0;
    for (X509Certificate anchor : anchors) {
      store.setCertificateEntry("anchor-" + i++, anchor);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance("PKIX");
    tmf.init(store);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return new VerifyingTrustManager(x);
      }
    }
    throw new IllegalStateException("no X509ExtendedTrustManager from " + tmf.getProvider());
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, "client", () -> delegate.checkClientTrusted(chain, authType, socket));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    check(chain, "server", () -> delegate.checkServerTrusted(chain, authType, socket));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain, "client", () -> delegate.checkClientTrusted(chain, authType, engine));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    check(chain, "server", () -> delegate.checkServerTrusted(chain, authType, engine));
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain, "client", () -> delegate.checkClientTrusted(chain, authType));
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    check(chain, "server", () -> delegate.checkServerTrusted(chain, authType));
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return delegate.getAcceptedIssuers();
  }

  private interface Check {
    void run() throws CertificateException;
  }

  private static void check(X509Certificate[] chain, String role, Check check)
      throws CertificateException {
    if (chain == null || chain.length == 0) {
      throw new TlsFailure.PeerCertificateException(
          TlsFailure.Reason.NO_CERTIFICATE, "the " + role + " presented no certificate", null);
    }
    try {
      check.run();
    } catch (CertificateException e) {
      throw explain(chain, role, e);
    }
  }

  private static CertificateException explain(
      X509Certificate[] chain, String role, CertificateException e) {
    // Keep a CertPathValidatorException as the cause: the JDK picks the TLS alert
    // (certificate_expired, ...)
    // from it, so the peer learns the reason too.
    Throwable cause =
        e.getCause() instanceof java.security.cert.CertPathValidatorException ? e.getCause() : e;
    for (X509Certificate cert : chain) {
      String which = cert == chain[0] ? role + " certificate" : "certificate";
      try {
        cert.checkValidity();
      } catch (CertificateExpiredException expired) {
        return new TlsFailure.PeerCertificateException(
            TlsFailure.Reason.EXPIRED,
            which
                + " '"
                + cert.getSubjectX500Principal().getName()
                + "' expired at "
                + cert.getNotAfter().toInstant(),
            cause);
      } catch (CertificateNotYetValidException early) {
        return new TlsFailure.PeerCertificateException(
            TlsFailure.Reason.NOT_YET_VALID,
            which
                + " '"
                + cert.getSubjectX500Principal().getName()
                + "' is not valid before "
                + cert.getNotBefore().toInstant()
                + " (clock skew?)",
            cause);
      }
    }
    X509Certificate leaf = chain[0];
    return new TlsFailure.PeerCertificateException(
        TlsFailure.Reason.UNTRUSTED,
        role
            + " certificate '"
            + leaf.getSubjectX500Principal().getName()
            + "' issued by '"
            + leaf.getIssuerX500Principal().getName()
            + "' does not chain to a trusted CA ("
            + e.getMessage()
            + ")",
        cause);
  }
}
