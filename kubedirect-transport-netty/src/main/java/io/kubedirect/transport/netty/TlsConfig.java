package io.kubedirect.transport.netty;

import io.kubedirect.transport.TransportException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * TLS 1.3 settings of a {@link NettyTransport}: this stage's key and certificate chain (required to
 * accept links; optional for a dial-only stage), the trust anchors that peer certificates must
 * chain to, and whether the accepting side requires a client certificate (mutual TLS, the default).
 * The stage name of a peer is read from its certificate: a URI SAN {@code
 * urn:kubedirect:stage:<name>}, else the subject CN. Immutable.
 *
 * <p>The material can come from files, as a Kubernetes Secret of type {@code kubernetes.io/tls}
 * mounts them (the layout cert-manager writes: {@code tls.crt}, {@code tls.key}, {@code ca.crt}):
 * {@code TlsConfig.fromFiles(Path.of("/etc/kubedirect/tls"))}. The transport then polls the files'
 * content every {@link Builder#reloadInterval reload interval} and, when it changed, builds new TLS
 * contexts for new connections; see docs/operations.md.
 */
public final class TlsConfig {

  /** Which TLS implementation to use. */
  public enum Provider {
    /** BoringSSL (netty-tcnative) when it loads, else the JDK. */
    AUTO,
    /** BoringSSL through netty-tcnative; fails to build when it is not available. */
    OPENSSL,
    /** The JDK's SSLEngine. */
    JDK
  }

  /** The default interval at which file-based material is checked for changes. */
  public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

  /** The certificate chain file of the Secret layout. */
  public static final String CERT_FILE = "tls.crt";

  /** The private key file of the Secret layout. */
  public static final String KEY_FILE = "tls.key";

  /** The CA bundle file of the Secret layout. */
  public static final String CA_FILE = "ca.crt";

  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> trustAnchors;
  private final boolean clientAuthRequired;
  private final Provider provider;
  private final FileSource files;
  private final String filesFingerprint;
  private final Duration reloadInterval;

  private TlsConfig(Builder b, Material material, String fingerprint) {
    this.key = material.key();
    this.chain = material.chain();
    this.trustAnchors = material.trustAnchors();
    this.clientAuthRequired = b.clientAuthRequired;
    this.provider = b.provider;
    this.files = b.files;
    this.filesFingerprint = fingerprint;
    this.reloadInterval = b.reloadInterval;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Material from the files {@code tls.crt}, {@code tls.key} and {@code ca.crt} in {@code
   * directory} (a mounted {@code kubernetes.io/tls} Secret), reloaded when they change (checked
   * every 10 s), mutual TLS, provider AUTO. Use {@link Builder#files(Path)} to change the other
   * settings.
   *
   * @throws TransportException if a file cannot be read or parsed, or the key does not match the
   *     certificate
   */
  public static TlsConfig fromFiles(Path directory) {
    return builder().files(directory).build();
  }

  /** Like {@link #fromFiles(Path)} with explicit file names. */
  public static TlsConfig fromFiles(
      Path certificateChainPem, Path privateKeyPem, Path caCertificatesPem) {
    return builder().files(certificateChainPem, privateKeyPem, caCertificatesPem).build();
  }

  /** The files the material is read from, if it came from files. */
  public Optional<FileSource> files() {
    return Optional.ofNullable(files);
  }

  /**
   * How often the files are checked for changes; zero when they are not (or the material is not
   * from files).
   */
  public Duration reloadInterval() {
    return files == null ? Duration.ZERO : reloadInterval;
  }

  /** Content hash of the files as they were read by {@link Builder#build()}. */
  String filesFingerprint() {
    return filesFingerprint;
  }

  /** Key, chain and trust anchors as loaded now. */
  Material material() {
    return new Material(key, chain, trustAnchors);
  }

  /**
   * The files of a Secret-style TLS configuration.
   *
   * @param certificateChain PEM certificates, leaf first ({@code tls.crt})
   * @param privateKey PEM private key: PKCS#8 ({@code BEGIN PRIVATE KEY}), PKCS#1 RSA or SEC1 EC
   *     ({@code tls.key})
   * @param caCertificates PEM trust anchors ({@code ca.crt})
   */
  public record FileSource(Path certificateChain, Path privateKey, Path caCertificates) {
    public FileSource {
      Objects.requireNonNull(certificateChain, "certificateChain");
      Objects.requireNonNull(privateKey, "privateKey");
      Objects.requireNonNull(caCertificates, "caCertificates");
    }

    /**
     * SHA-256 over the three files' content (so a symlink swap or a copy with an old mtime is
     * noticed).
     */
    String fingerprint() throws IOException {
      MessageDigest sha;
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
      for (Path p : List.of(certificateChain, privateKey, caCertificates)) {
        byte[] content = Files.readAllBytes(p);
        sha.update(ByteBuffer.allocate(8).putLong(content.length).array());
        sha.update(content);
      }
      return HexFormat.of().formatHex(sha.digest());
    }

    /** Reads and checks the material (the key must belong to the leaf certificate). */
    Material load() {
      PrivateKey key = Pem.readPrivateKey(privateKey);
      List<X509Certificate> chain = Pem.readCertificates(certificateChain);
      List<X509Certificate> anchors = Pem.readCertificates(caCertificates);
      Material m = new Material(key, List.copyOf(chain), List.copyOf(anchors));
      m.checkKeyMatchesCertificate(certificateChain + " / " + privateKey);
      return m;
    }
  }

  /** A private key (or none), its chain, and the trust anchors. */
  record Material(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> trustAnchors) {

    X509Certificate leaf() {
      return chain.isEmpty() ? null : chain.get(0);
    }

    /** Signs a probe with the key and verifies it with the leaf's public key. */
    void checkKeyMatchesCertificate(String where) {
      if (key == null || chain.isEmpty()) {
        return;
      }
      String algorithm =
          switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
          };
      if (algorithm == null) {
        return; // cannot probe; the TLS handshake will tell
      }
      try {
        byte[] probe = "kubedirect key check".getBytes(StandardCharsets.US_ASCII);
        Signature signer = Signature.getInstance(algorithm);
        signer.initSign(key);
        signer.update(probe);
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance(algorithm);
        verifier.initVerify(chain.get(0).getPublicKey());
        verifier.update(probe);
        if (!verifier.verify(signature)) {
          throw new TransportException(
              "the private key does not belong to the certificate '"
                  + chain.get(0).getSubjectX500Principal().getName()
                  + "' ("
                  + where
                  + ")");
        }
      } catch (GeneralSecurityException e) {
        throw new TransportException(
            "the private key does not belong to the certificate '"
                + chain.get(0).getSubjectX500Principal().getName()
                + "' ("
                + where
                + "): "
                + e.getMessage(),
            e);
      }
    }
  }

  /** This stage's certificate chain, leaf first. */
  public List<X509Certificate> certificateChain() {
    return chain;
  }

  /** The certificates peers must chain to. */
  public List<X509Certificate> trustAnchors() {
    return trustAnchors;
  }

  /** Whether the accepting side demands a client certificate. */
  public boolean clientAuthRequired() {
    return clientAuthRequired;
  }

  /** The requested provider (AUTO is resolved when the transport is built). */
  public Provider provider() {
    return provider;
  }

  /** The provider actually used: AUTO resolves to OPENSSL when BoringSSL loads, else JDK. */
  public Provider effectiveProvider() {
    if (provider == Provider.AUTO) {
      return OpenSsl.isAvailable() ? Provider.OPENSSL : Provider.JDK;
    }
    return provider;
  }

  /**
   * Whether this configuration holds a key and chain (needed to accept links, and to dial with
   * mTLS).
   */
  public boolean hasKey() {
    return key != null;
  }

  /** The server context, or null when this configuration has no key (dial-only, one-way TLS). */
  SslContext serverContext() {
    return serverContext(material());
  }

  SslContext clientContext() {
    return clientContext(material());
  }

  /**
   * A server context for this configuration's settings over {@code m}, or null when {@code m} has
   * no key.
   */
  SslContext serverContext(Material m) {
    if (m.key() == null) {
      return null;
    }
    try {
      return SslContextBuilder.forServer(m.key(), m.chain())
          .trustManager(VerifyingTrustManager.of(m.trustAnchors()))
          .clientAuth(clientAuthRequired ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
          .protocols("TLSv1.3")
          .sslProvider(sslProvider())
          .build();
    } catch (TransportException e) {
      throw e;
    } catch (Exception e) {
      throw new TransportException("cannot build the server TLS context: " + e.getMessage(), e);
    }
  }

  /** A client context for this configuration's settings over {@code m}. */
  SslContext clientContext(Material m) {
    try {
      // Peers are identified by the stage name in their certificate, not by host name: hostname
      // verification (on by default since Netty 4.2) is replaced by the stage check after the
      // handshake.
      SslContextBuilder builder = SslContextBuilder.forClient();
      if (m.key() != null) {
        builder.keyManager(m.key(), m.chain());
      }
      return builder
          .trustManager(VerifyingTrustManager.of(m.trustAnchors()))
          .endpointIdentificationAlgorithm(null)
          .protocols("TLSv1.3")
          .sslProvider(sslProvider())
          .build();
    } catch (TransportException e) {
      throw e;
    } catch (Exception e) {
      throw new TransportException("cannot build the client TLS context: " + e.getMessage(), e);
    }
  }

  private SslProvider sslProvider() {
    if (provider == Provider.OPENSSL && !OpenSsl.isAvailable()) {
      throw new TransportException(
          "TLS provider OPENSSL requested but BoringSSL is not available",
          OpenSsl.unavailabilityCause());
    }
    return effectiveProvider() == Provider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /**
   * Builds a {@link TlsConfig}; {@link #build()} checks that key, chain and trust anchors are
   * present.
   */
  public static final class Builder {
    private PrivateKey key;
    private final List<X509Certificate> chain = new ArrayList<>();
    private final List<X509Certificate> trustAnchors = new ArrayList<>();
    private boolean clientAuthRequired = true;
    private Provider provider = Provider.AUTO;
    private FileSource files;
    private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;

    private Builder() {}

    /**
     * Reads key, chain and trust anchors from {@code tls.crt}, {@code tls.key} and {@code ca.crt}
     * in {@code directory} (a mounted {@code kubernetes.io/tls} Secret, as cert-manager writes it)
     * and reloads them when their content changes. Excludes {@link #keyAndChain}, {@link
     * #keyAndChainPem}, {@link #trust} and {@link #trustPem}.
     */
    public Builder files(Path directory) {
      Objects.requireNonNull(directory, "directory");
      return files(
          directory.resolve(CERT_FILE), directory.resolve(KEY_FILE), directory.resolve(CA_FILE));
    }

    /** Like {@link #files(Path)} with explicit file names. */
    public Builder files(Path certificateChainPem, Path privateKeyPem, Path caCertificatesPem) {
      this.files = new FileSource(certificateChainPem, privateKeyPem, caCertificatesPem);
      return this;
    }

    /**
     * How often the {@link #files files} are checked for a change of content (default 10 s; {@link
     * Duration#ZERO} reads them once and never again). Polling a content hash, not a file watcher:
     * Kubernetes updates a Secret volume by swapping a {@code ..data} symlink, which inotify-based
     * watchers miss or report on the wrong path.
     */
    public Builder reloadInterval(Duration interval) {
      this.reloadInterval = Objects.requireNonNull(interval, "interval");
      return this;
    }

    /** This stage's private key and certificate chain (leaf first). */
    public Builder keyAndChain(PrivateKey key, X509Certificate... chain) {
      this.key = Objects.requireNonNull(key, "key");
      this.chain.clear();
      this.chain.addAll(List.of(chain));
      return this;
    }

    /**
     * This stage's key and chain from PEM files: an unencrypted PKCS#8 private key ({@code BEGIN
     * PRIVATE KEY}) and one or more certificates, leaf first.
     *
     * @throws TransportException if a file cannot be read or parsed
     */
    public Builder keyAndChainPem(Path privateKeyPem, Path certificateChainPem) {
      this.key = Pem.readPrivateKey(privateKeyPem);
      this.chain.clear();
      this.chain.addAll(Pem.readCertificates(certificateChainPem));
      return this;
    }

    /** Adds trust anchors (CA certificates). */
    public Builder trust(X509Certificate... anchors) {
      trustAnchors.addAll(List.of(anchors));
      return this;
    }

    /** Adds the trust anchors found in a PEM file. */
    public Builder trustPem(Path caCertificatesPem) {
      trustAnchors.addAll(Pem.readCertificates(caCertificatesPem));
      return this;
    }

    /** Whether an accepting transport requires client certificates (default true: mutual TLS). */
    public Builder clientAuthRequired(boolean required) {
      this.clientAuthRequired = required;
      return this;
    }

    /** The TLS implementation (default {@link Provider#AUTO}). */
    public Builder provider(Provider provider) {
      this.provider = Objects.requireNonNull(provider, "provider");
      return this;
    }

    /**
     * Validates and builds. Without a key and chain the configuration can only dial, and only
     * servers that do not require client certificates (one-way TLS).
     *
     * @throws IllegalStateException if the trust anchors are missing, or only one of key and chain
     *     is set
     */
    public TlsConfig build() {
      if (reloadInterval.isNegative()) {
        throw new IllegalStateException(
            "reloadInterval must not be negative, got " + reloadInterval);
      }
      if (files != null) {
        if (key != null || !chain.isEmpty() || !trustAnchors.isEmpty()) {
          throw new IllegalStateException("files(...) excludes keyAndChain(...) and trust(...)");
        }
        String fingerprint;
        try {
          fingerprint = files.fingerprint();
        } catch (IOException e) {
          throw new TransportException("cannot read the TLS files " + files + ": " + e, e);
        }
        return new TlsConfig(this, files.load(), fingerprint);
      }
      if ((key == null) != chain.isEmpty()) {
        throw new IllegalStateException("a private key needs its certificate chain and vice versa");
      }
      if (trustAnchors.isEmpty()) {
        throw new IllegalStateException("TLS needs at least one trust anchor");
      }
      Material m = new Material(key, List.copyOf(chain), List.copyOf(trustAnchors));
      m.checkKeyMatchesCertificate("keyAndChain");
      return new TlsConfig(this, m, null);
    }
  }

  /** Minimal PEM reading for keys and certificates. */
  static final class Pem {
    private Pem() {}

    static List<X509Certificate> readCertificates(Path pem) {
      try (InputStream in = Files.newInputStream(pem)) {
        CertificateFactory cf = CertificateFactory.getInstance("X.509");
        List<X509Certificate> out = new ArrayList<>();
        for (var c : cf.generateCertificates(in)) {
          out.add((X509Certificate) c);
        }
        if (out.isEmpty()) {
          throw new TransportException("no certificate in " + pem);
        }
        return out;
      } catch (IOException | CertificateException e) {
        throw new TransportException(
            "cannot read certificates from " + pem + ": " + e.getMessage(), e);
      }
    }

    static PrivateKey readPrivateKey(Path pem) {
      String text;
      try {
        text = Files.readString(pem, StandardCharsets.US_ASCII);
      } catch (IOException e) {
        throw new TransportException("cannot read private key " + pem + ": " + e.getMessage(), e);
      }
      int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
      int end = text.indexOf("-----END PRIVATE KEY-----");
      if (begin < 0 || end < begin) {
        throw new TransportException("no unencrypted PKCS#8 key (BEGIN PRIVATE KEY) in " + pem);
      }
      String body =
          text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
      byte[] der;
      try {
        der = Base64.getDecoder().decode(body);
      } catch (IllegalArgumentException e) {
        throw new TransportException("bad base64 in private key " + pem, e);
      }
      PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
      for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "RSASSA-PSS"}) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(spec);
        } catch (GeneralSecurityException ignored) {
          // try the next algorithm
        }
      }
      throw new TransportException("unsupported private key algorithm in " + pem);
    }
  }
}
