package io.kubedirect.transport.netty;

import io.kubedirect.transport.PeerIdentity;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;

/**
 * Reads a stage name from a certificate: URI SAN {@code urn:kubedirect:stage:<name>}, else the
 * subject CN.
 */
final class CertificateIdentity {

  static final String STAGE_URN_PREFIX = "urn:kubedirect:stage:";
  private static final int SAN_URI = 6;

  private CertificateIdentity() {}

  static Optional<PeerIdentity> of(X509Certificate cert) {
    String subject = cert.getSubjectX500Principal().getName();
    return stage(cert).map(stage -> new PeerIdentity(stage, true, subject));
  }

  static Optional<String> stage(X509Certificate cert) {
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          if (san.size() >= 2
              && san.get(0) instanceof Integer type
              && type == SAN_URI
              && san.get(1) instanceof String uri
              && uri.startsWith(STAGE_URN_PREFIX)
              && uri.length() > STAGE_URN_PREFIX.length()) {
            return Optional.of(uri.substring(STAGE_URN_PREFIX.length()));
          }
        }
      }
    } catch (CertificateParsingException e) {
      // fall back to the CN
    }
    try {
      LdapName name = new LdapName(cert.getSubjectX500Principal().getName());
      for (Rdn rdn : name.getRdns()) {
        if (rdn.getType().equalsIgnoreCase("CN")) {
          String cn = String.valueOf(rdn.getValue());
          return cn.isBlank() ? Optional.empty() : Optional.of(cn);
        }
      }
    } catch (InvalidNameException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }
}
