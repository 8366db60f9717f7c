package io.kubedirect.transport.netty;

import io.kubedirect.transport.TransportException;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Objects;

/**
 * TLS 1.3 settings of a {@link NettyTransport}: this stage's key and certificate chain (required to accept
 * links; optional for a dial-only stage), the trust anchors that peer certificates must chain to, and
 * whether the accepting side requires a client certificate (mutual TLS, the default). The stage name of a peer is read from its certificate: a URI SAN
 * {@code urn:kubedirect:stage:<name>}, else the subject CN. Immutable.
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

  private final PrivateKey key;
  private final List<X509Certificate> chain;
  private final List<X509Certificate> trustAnchors;
  private final boolean clientAuthRequired;
  private final Provider provider;

  private TlsConfig(Builder b) {
    this.key = b.key;
    this.chain = List.copyOf(b.chain);
    this.trustAnchors = List.copyOf(b.trustAnchors);
    this.clientAuthRequired = b.clientAuthRequired;
    this.provider = b.provider;
  }

  /** A new builder. */
  public static Builder builder() {
    return new Builder();
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

  /** Whether this configuration holds a key and chain (needed to accept links, and to dial with mTLS). */
  public boolean hasKey() {
    return key != null;
  }

  /** The server context, or null when this configuration has no key (dial-only, one-way TLS). */
  SslContext serverContext() {
    if (key == null) {
      return null;
    }
    try {
      return SslContextBuilder.forServer(key, chain)
          .trustManager(trustAnchors)
          .clientAuth(clientAuthRequired ? ClientAuth.REQUIRE : ClientAuth.OPTIONAL)
          .protocols("TLSv1.3")
          .sslProvider(sslProvider())
          .build();
    } catch (IOException | RuntimeException e) {
      throw new TransportException("cannot build the server TLS context: " + e.getMessage(), e);
    }
  }

  SslContext clientContext() {
    try {
      // Peers are identified by the stage name in their certificate, not by host name: hostname
      // verification (on by default since Netty 4.2) is replaced by the stage check after the handshake.
      SslContextBuilder builder = SslContextBuilder.forClient();
      if (key != null) {
        builder.keyManager(key, chain);
      }
      return builder
          .trustManager(trustAnchors)
          .endpointIdentificationAlgorithm(null)
          .protocols("TLSv1.3")
          .sslProvider(sslProvider())
          .build();
    } catch (IOException | RuntimeException e) {
      throw new TransportException("cannot build the client TLS context: " + e.getMessage(), e);
    }
  }

  private SslProvider sslProvider() {
    if (provider == Provider.OPENSSL && !OpenSsl.isAvailable()) {
      throw new TransportException("TLS provider OPENSSL requested but BoringSSL is not available",
          OpenSsl.unavailabilityCause());
    }
    return effectiveProvider() == Provider.OPENSSL ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /** Builds a {@link TlsConfig}; {@link #build()} checks that key, chain and trust anchors are present. */
  public static final class Builder {
    private PrivateKey key;
    private final List<X509Certificate> chain = new ArrayList<>();
    private final List<X509Certificate> trustAnchors = new ArrayList<>();
    private boolean clientAuthRequired = true;
    private Provider provider = Provider.AUTO;

    private Builder() {}

    /** This stage's private key and certificate chain (leaf first). */
    public Builder keyAndChain(PrivateKey key, X509Certificate... chain) {
      this.key = Objects.requireNonNull(key, "key");
      this.chain.clear();
      this.chain.addAll(List.of(chain));
      return this;
    }

    /**
     * This stage's key and chain from PEM files: an unencrypted PKCS#8 private key ({@code BEGIN PRIVATE
     * KEY}) and one or more certificates, leaf first.
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
     * Validates and builds. Without a key and chain the configuration can only dial, and only servers that
     * do not require client certificates (one-way TLS).
     *
     * @throws IllegalStateException if the trust anchors are missing, or only one of key and chain is set
     */
    public TlsConfig build() {
      if ((key == null) != chain.isEmpty()) {
        throw new IllegalStateException("a private key needs its certificate chain and vice versa");
      }
      if (trustAnchors.isEmpty()) {
        throw new IllegalStateException("TLS needs at least one trust anchor");
      }
      return new TlsConfig(this);
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
        throw new TransportException("cannot read certificates from " + pem + ": " + e.getMessage(), e);
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
      String body = text.substring(begin + "-----BEGIN PRIVATE KEY-----".length(), end).replaceAll("\\s", "");
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
