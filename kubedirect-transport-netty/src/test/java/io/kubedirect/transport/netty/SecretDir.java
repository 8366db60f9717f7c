package io.kubedirect.transport.netty;

import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * A directory laid out as the kubelet mounts a Secret volume: the data in a timestamped directory,
 * {@code ..data} a symlink to it, and {@code tls.crt}/{@code tls.key}/{@code ca.crt} symlinks
 * through {@code ..data}. An update writes a new data directory and swaps {@code ..data} atomically
 * (rename of a new symlink over it), as the kubelet's atomic writer does.
 */
final class SecretDir {

  final Path dir;
  private int generation;

  SecretDir(Path dir) {
    this.dir = dir;
  }

  /** Writes {@code own}'s chain and key and the CA certificates, then swaps them in. */
  void write(X509Bundle own, X509Bundle... cas) throws IOException {
    write(own.getCertificatePathPEM(), own.getPrivateKeyPEM(), cas);
  }

  void write(String certPem, String keyPem, X509Bundle... cas) throws IOException {
    StringBuilder ca = new StringBuilder();
    for (X509Bundle c : cas) {
      ca.append(c.getCertificatePEM());
    }
    writeRaw(certPem, keyPem, ca.toString());
  }

  void writeRaw(String certPem, String keyPem, String caPem) throws IOException {
    Path data = dir.resolve("..2026_01_01_00_00_00." + (++generation));
    Files.createDirectories(data);
    Files.writeString(data.resolve(TlsConfig.CERT_FILE), certPem, StandardCharsets.US_ASCII);
    Files.writeString(data.resolve(TlsConfig.KEY_FILE), keyPem, StandardCharsets.US_ASCII);
    Files.writeString(data.resolve(TlsConfig.CA_FILE), caPem, StandardCharsets.US_ASCII);
    Path tmp = dir.resolve("..data_tmp");
    Files.deleteIfExists(tmp);
    Files.createSymbolicLink(tmp, data.getFileName());
    Files.move(
        tmp,
        dir.resolve("..data"),
        StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    for (String name : new String[] {TlsConfig.CERT_FILE, TlsConfig.KEY_FILE, TlsConfig.CA_FILE}) {
      Path link = dir.resolve(name);
      if (!Files.isSymbolicLink(link)) {
        Files.createSymbolicLink(link, Path.of("..data", name));
      }
    }
  }
}
