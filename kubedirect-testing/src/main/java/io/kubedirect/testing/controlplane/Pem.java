package io.kubedirect.testing.controlplane;

import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.util.Base64;

/** Generates the service-account signing key as a PKCS#8 PEM. */
final class Pem {
  private Pem() {}

  static String newRsaPrivateKeyPem() {
    try {
      KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
      g.initialize(2048);
      return toPem(g.generateKeyPair().getPrivate());
    } catch (NoSuchAlgorithmException e) {
      throw new ControlPlaneException("RSA is not available in this JVM", e);
    }
  }

  static String toPem(PrivateKey key) {
    String b64 = Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded());
    return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
  }
}
