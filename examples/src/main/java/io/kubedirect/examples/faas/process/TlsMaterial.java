package io.kubedirect.examples.faas.process;

import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Certificates for the stages' mutual TLS on one machine: a fresh self-signed CA (key kept in
 * memory only) issues each stage a certificate for client and server use, with the SAN {@code
 * urn:kubedirect:stage:<stage>}, written as a {@code kubernetes.io/tls} Secret volume holds them
 * ({@code <dir>/<stage>/tls.crt}, {@code tls.key}, {@code ca.crt}), which {@code StageMain
 * --tls-dir} reads. For local runs and tests; in a cluster cert-manager issues them (see {@code
 * docs/operations.md}).
 */
public final class TlsMaterial {

  private TlsMaterial() {}

  /**
   * Issues a certificate per stage under {@code dir}, valid for {@code validity}.
   *
   * @return the TLS directory of each stage
   */
  public static Map<String, Path> issue(Path dir, Collection<String> stages, Duration validity) {
    try {
      Instant now = Instant.now();
      X509Bundle ca =
          new CertificateBuilder()
              .subject("CN=kubedirect-process-chain-ca")
              .setIsCertificateAuthority(true)
              .notBefore(now.minus(Duration.ofHours(1)))
              .notAfter(now.plus(validity))
              .buildSelfSigned();
      Map<String, Path> dirs = new LinkedHashMap<>();
      for (String stage : stages) {
        X509Bundle own =
            new CertificateBuilder()
                .subject("CN=" + stage)
                .notBefore(now.minus(Duration.ofHours(1)))
                .notAfter(now.plus(validity))
                .addExtendedKeyUsageServerAuth()
                .addExtendedKeyUsageClientAuth()
                .addSanUriName("urn:kubedirect:stage:" + stage)
                .addSanDnsName("localhost")
                .addSanIpAddress("127.0.0.1")
                .buildIssuedBy(ca);
        Path d = Files.createDirectories(dir.resolve(stage));
        Files.writeString(d.resolve("tls.crt"), own.getCertificatePathPEM());
        Files.writeString(d.resolve("tls.key"), own.getPrivateKeyPEM());
        Files.writeString(d.resolve("ca.crt"), ca.getCertificatePEM());
        dirs.put(stage, d);
      }
      return dirs;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the TLS material under " + dir, e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot issue the TLS material: " + e.getMessage(), e);
    }
  }
}
