package io.kubedirect.testing.controlplane;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/** HTTP(S) health probes against loopback endpoints. */
final class Probes {
  private Probes() {}

  /**
   * An HTTP client that trusts exactly the certificates in {@code caFile} (null: plain HTTP only).
   */
  static HttpClient client(Path caFile) {
    // HTTP/1.1: the Go HTTP/2 server of kube-controller-manager answers the JDK client with GOAWAY.
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2));
    if (caFile != null) {
      b.sslContext(sslContextTrusting(caFile));
    }
    return b.build();
  }

  static SSLContext sslContextTrusting(Path pemFile) {
    try (InputStream in = Files.newInputStream(pemFile)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new ControlPlaneException("no certificate in " + pemFile);
      }
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        ks.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new ControlPlaneException("cannot load certificates from " + pemFile, e);
    }
  }

  /** True if GET {@code url} answers 200 (and, if given, the body contains {@code mustContain}). */
  static boolean ok(HttpClient client, String url, String bearerToken, String mustContain) {
    HttpRequest.Builder rb =
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(3)).GET();
    if (bearerToken != null) {
      rb.header("Authorization", "Bearer " + bearerToken);
    }
    try {
      HttpResponse<String> r = client.send(rb.build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 && (mustContain == null || r.body().contains(mustContain));
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ControlPlaneException("interrupted while probing " + url, e);
    }
  }
}
