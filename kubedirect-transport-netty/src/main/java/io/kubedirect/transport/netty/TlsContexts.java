package io.kubedirect.transport.netty;

import io.micrometer.core.instrument.Counter;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS contexts a transport builds new connections with. For a {@link TlsConfig} read from
 * files, a periodic check hashes the files' content and, when it changed, loads and checks the new
 * material (the key must match the certificate, and the certificate must name the same stage as
 * before) and swaps the contexts: new connections use the new material, existing connections keep
 * their session until they close. A change that cannot be used keeps the old material; it is logged
 * (WARN) and counted once per distinct content, and only after the content was the same at two
 * checks in a row, so a non-atomic update caught half-way (certificate written, key not yet) does
 * not raise an alarm.
 */
final class TlsContexts {

  private static final Logger log = LoggerFactory.getLogger(TlsContexts.class);

  /** What new connections are built with. */
  private record Current(
      SslContext server, SslContext client, X509Certificate leaf, String fingerprint) {}

  private final TlsConfig config;
  private final String stageName;
  private final Counter reloadSuccesses;
  private final Counter reloadFailures;
  private volatile Current current;
  private String pendingFailure;
  private String reportedFailure;
  private volatile ScheduledFuture<?> task;

  private TlsContexts(TlsConfig config, String stageName, LinkMetrics metrics, Current initial) {
    this.config = config;
    this.stageName = stageName;
    this.current = initial;
    if (metrics != null && config != null) {
      this.reloadSuccesses = metrics.tlsReloads("success");
      this.reloadFailures = metrics.tlsReloads("failure");
      metrics.certificateExpiry(
          () -> {
            X509Certificate leaf = current.leaf();
            return leaf == null ? Double.NaN : leaf.getNotAfter().toInstant().getEpochSecond();
          });
    } else {
      this.reloadSuccesses = null;
      this.reloadFailures = null;
    }
  }

  /** Contexts that never change (null and null: plaintext). */
  static TlsContexts fixed(SslContext server, SslContext client) {
    return new TlsContexts(null, null, null, new Current(server, client, null, null));
  }

  /**
   * Builds the initial contexts of {@code config}.
   *
   * @throws io.kubedirect.transport.TransportException when the material is unusable
   */
  static TlsContexts of(TlsConfig config, String stageName, LinkMetrics metrics) {
    TlsConfig.Material m = config.material();
    Current initial =
        new Current(
            config.serverContext(m), config.clientContext(m), m.leaf(), config.filesFingerprint());
    String problem = TlsFailure.ownCertificateProblem(m.leaf());
    if (problem != null) {
      log.warn("stage '{}': {}; peers will reject it", stageName, problem);
    }
    return new TlsContexts(config, stageName, metrics, initial);
  }

  SslContext server() {
    return current.server();
  }

  SslContext client() {
    return current.client();
  }

  boolean tls() {
    return current.client() != null;
  }

  /** This stage's current certificate, or null. */
  X509Certificate ownLeaf() {
    return current.leaf();
  }

  /**
   * Starts the periodic check on {@code executor} when the material came from files and reloading
   * is on.
   */
  void start(ScheduledExecutorService executor) {
    if (config == null || config.files().isEmpty() || config.reloadInterval().isZero()) {
      return;
    }
    long millis = Math.max(1, config.reloadInterval().toMillis());
    task =
        executor.scheduleWithFixedDelay(this::checkSafely, millis, millis, TimeUnit.MILLISECONDS);
  }

  void stop() {
    ScheduledFuture<?> t = task;
    if (t != null) {
      t.cancel(false);
    }
  }

  private void checkSafely() {
    try {
      check();
    } catch (RuntimeException e) {
      log.error("stage '{}': TLS reload check failed unexpectedly", stageName, e);
    }
  }

  /**
   * One check: reloads when the files changed. Runs on one thread at a time (the scheduled task).
   */
  synchronized void check() {
    TlsConfig.FileSource files = config.files().orElseThrow();
    String fingerprint;
    Exception readProblem = null;
    try {
      fingerprint = files.fingerprint();
    } catch (IOException e) {
      fingerprint = "unreadable: " + e;
      readProblem = e;
    }
    if (fingerprint.equals(current.fingerprint())) {
      pendingFailure = null;
      return;
    }
    if (fingerprint.equals(reportedFailure)) {
      return; // a bad change already reported; wait for the next one
    }
    try {
      if (readProblem != null) {
        throw new io.kubedirect.transport.TransportException(
            "cannot read " + files + ": " + readProblem, readProblem);
      }
      TlsConfig.Material m = files.load();
      Current before = current;
      Optional<String> oldStage =
          before.leaf() == null ? Optional.empty() : CertificateIdentity.stage(before.leaf());
      Optional<String> newStage =
          m.leaf() == null ? Optional.empty() : CertificateIdentity.stage(m.leaf());
      if (oldStage.isPresent() && !oldStage.equals(newStage)) {
        throw new io.kubedirect.transport.TransportException(
            "the new certificate '"
                + m.leaf().getSubjectX500Principal().getName()
                + "' names stage '"
                + newStage.orElse("(none)")
                + "', the current one '"
                + oldStage.get()
                + "': a rotation must not change the stage");
      }
      Current next =
          new Current(config.serverContext(m), config.clientContext(m), m.leaf(), fingerprint);
      current = next;
      pendingFailure = null;
      reportedFailure = null;
      reloadSuccesses.increment();
      log.info(
          "stage '{}': reloaded TLS material from {}: certificate '{}' valid until {}; new connections use it",
          stageName,
          files.certificateChain().getParent(),
          m.leaf() == null ? "-" : m.leaf().getSubjectX500Principal().getName(),
          m.leaf() == null ? "-" : m.leaf().getNotAfter().toInstant());
      String problem = TlsFailure.ownCertificateProblem(m.leaf());
      if (problem != null) {
        log.warn("stage '{}': {}; peers will reject it", stageName, problem);
      }
    } catch (RuntimeException e) {
      if (!fingerprint.equals(pendingFailure)) {
        pendingFailure =
            fingerprint; // maybe caught mid-update: report if it is still the same next time
        log.debug(
            "stage '{}': TLS files changed but are not usable (yet): {}",
            stageName,
            e.getMessage());
        return;
      }
      reportedFailure = fingerprint;
      pendingFailure = null;
      reloadFailures.increment();
      log.warn(
          "stage '{}': TLS files changed but cannot be used, keeping the previous certificate: {}",
          stageName,
          Objects.toString(e.getMessage(), e.toString()));
    }
  }
}
