package io.kubedirect.runtime.internal.engine;

import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ExponentialBackoffPolicy;
import java.time.Duration;
import java.util.Objects;

/**
 * Bounds and timings of a {@link StageEngine}.
 *
 * @param maxEphemeralObjects ephemeral objects a receiver holds at most; a batch that would exceed
 *     it is answered OVERLOADED and not applied
 * @param maxDirtyObjects objects a sender tracks at most; further emits fail with OVERLOADED
 * @param maxBatchObjects objects per ObjectBatch
 * @param maxInflightBatches unacknowledged batches per link
 * @param maxTemplates templates per encoder/decoder
 * @param fallbackAfter how long a link may be down before its objects go through the API Server
 * @param retryInitial first write-back / resend retry delay
 * @param retryMax cap of the retry delay
 * @param requireVerifiedPeers whether upstream identities must be TLS-verified
 * @param ackTimeout how long a sender waits for the answer to a handshake message or an ObjectBatch
 *     before it treats the connection as broken, closes it and lets the reconnect and handshake
 *     repair the state
 * @param createBarrierTimeout how long the write-back waits, after an ambiguous create failure, for
 *     the informers to catch up with the store's revision before it falls back to GET + create
 * @param maxEpochSkew how far ahead of this stage's clock a handshake epoch may be; a receiver
 *     rejects epochs beyond it, so a peer cannot lock the real upstream out with a far-future epoch
 * @param retriesBeforeReport write-back retries of one object before it is reported (a WARN log
 *     line once per object, a metric, and a Kubernetes Event on the object)
 */
public record EngineLimits(
    int maxEphemeralObjects,
    int maxDirtyObjects,
    int maxBatchObjects,
    int maxInflightBatches,
    int maxTemplates,
    Duration fallbackAfter,
    Duration retryInitial,
    Duration retryMax,
    boolean requireVerifiedPeers,
    Duration ackTimeout,
    Duration createBarrierTimeout,
    Duration maxEpochSkew,
    int retriesBeforeReport) {

  /** Default {@link #ackTimeout()}. */
  public static final Duration DEFAULT_ACK_TIMEOUT = Duration.ofSeconds(5);

  /** Default {@link #createBarrierTimeout()}. */
  public static final Duration DEFAULT_CREATE_BARRIER_TIMEOUT = Duration.ofSeconds(30);

  /** Default {@link #maxEpochSkew()}. */
  public static final Duration DEFAULT_MAX_EPOCH_SKEW = Duration.ofSeconds(60);

  /** Default {@link #retriesBeforeReport()}. */
  public static final int DEFAULT_RETRIES_BEFORE_REPORT = 8;

  /** The limits with the default epoch skew and retry report threshold. */
  public EngineLimits(
      int maxEphemeralObjects,
      int maxDirtyObjects,
      int maxBatchObjects,
      int maxInflightBatches,
      int maxTemplates,
      Duration fallbackAfter,
      Duration retryInitial,
      Duration retryMax,
      boolean requireVerifiedPeers,
      Duration ackTimeout,
      Duration createBarrierTimeout) {
    this(
        maxEphemeralObjects,
        maxDirtyObjects,
        maxBatchObjects,
        maxInflightBatches,
        maxTemplates,
        fallbackAfter,
        retryInitial,
        retryMax,
        requireVerifiedPeers,
        ackTimeout,
        createBarrierTimeout,
        DEFAULT_MAX_EPOCH_SKEW,
        DEFAULT_RETRIES_BEFORE_REPORT);
  }

  /** The limits without the two timeouts, which take their defaults. */
  public EngineLimits(
      int maxEphemeralObjects,
      int maxDirtyObjects,
      int maxBatchObjects,
      int maxInflightBatches,
      int maxTemplates,
      Duration fallbackAfter,
      Duration retryInitial,
      Duration retryMax,
      boolean requireVerifiedPeers) {
    this(
        maxEphemeralObjects,
        maxDirtyObjects,
        maxBatchObjects,
        maxInflightBatches,
        maxTemplates,
        fallbackAfter,
        retryInitial,
        retryMax,
        requireVerifiedPeers,
        DEFAULT_ACK_TIMEOUT,
        DEFAULT_CREATE_BARRIER_TIMEOUT);
  }

  /** Validates the components. */
  public EngineLimits {
    if (maxEphemeralObjects <= 0
        || maxDirtyObjects <= 0
        || maxBatchObjects <= 0
        || maxInflightBatches <= 0
        || maxTemplates <= 0) {
      throw new IllegalArgumentException("limits must be positive");
    }
    Objects.requireNonNull(fallbackAfter, "fallbackAfter");
    Objects.requireNonNull(retryInitial, "retryInitial");
    Objects.requireNonNull(retryMax, "retryMax");
    if (fallbackAfter.isNegative()
        || fallbackAfter.isZero()
        || retryInitial.isNegative()
        || retryInitial.isZero()
        || retryMax.compareTo(retryInitial) < 0) {
      throw new IllegalArgumentException(
          "need positive fallbackAfter and 0 < retryInitial <= retryMax");
    }
    Objects.requireNonNull(ackTimeout, "ackTimeout");
    Objects.requireNonNull(createBarrierTimeout, "createBarrierTimeout");
    if (ackTimeout.isNegative() || ackTimeout.isZero() || createBarrierTimeout.isNegative()) {
      throw new IllegalArgumentException(
          "need positive ackTimeout and non-negative createBarrierTimeout");
    }
    Objects.requireNonNull(maxEpochSkew, "maxEpochSkew");
    if (maxEpochSkew.isNegative() || maxEpochSkew.isZero() || retriesBeforeReport <= 0) {
      throw new IllegalArgumentException("need positive maxEpochSkew and retriesBeforeReport");
    }
  }

  /**
   * Defaults: 200k ephemeral, 200k dirty, 256 per batch, 16 in flight, 1024 templates, fallback
   * after 10 s, retries 50 ms..5 s, ack timeout 5 s, create barrier 30 s, epoch skew 60 s, a
   * write-back reported after 8 retries.
   */
  public static EngineLimits defaults() {
    return new EngineLimits(
        200_000,
        200_000,
        256,
        16,
        1024,
        Duration.ofSeconds(10),
        Duration.ofMillis(50),
        Duration.ofSeconds(5),
        false);
  }

  /**
   * The engine's retry backoff: {@code retryInitial}, doubling up to {@code retryMax}, without
   * jitter (so that a simulation on virtual time stays deterministic).
   */
  public BackoffPolicy.Provider retryBackoff() {
    return ExponentialBackoffPolicy.provider(retryInitial, retryMax, 2.0, 0.0, null);
  }

  /** A copy with another {@code maxEphemeralObjects}. */
  public EngineLimits withMaxEphemeralObjects(int n) {
    return copy(v -> v.maxEphemeralObjects = n);
  }

  /** A copy with another {@code maxDirtyObjects}. */
  public EngineLimits withMaxDirtyObjects(int n) {
    return copy(v -> v.maxDirtyObjects = n);
  }

  /** A copy with another {@code maxBatchObjects}. */
  public EngineLimits withMaxBatchObjects(int n) {
    return copy(v -> v.maxBatchObjects = n);
  }

  /** A copy with another {@code fallbackAfter}. */
  public EngineLimits withFallbackAfter(Duration d) {
    return copy(v -> v.fallbackAfter = d);
  }

  /** A copy with other retry delays. */
  public EngineLimits withRetry(Duration initial, Duration max) {
    return copy(
        v -> {
          v.retryInitial = initial;
          v.retryMax = max;
        });
  }

  /** A copy with another {@code requireVerifiedPeers}. */
  public EngineLimits withRequireVerifiedPeers(boolean b) {
    return copy(v -> v.requireVerifiedPeers = b);
  }

  /** A copy with another {@code ackTimeout}. */
  public EngineLimits withAckTimeout(Duration d) {
    return copy(v -> v.ackTimeout = d);
  }

  /** A copy with another {@code createBarrierTimeout}. */
  public EngineLimits withCreateBarrierTimeout(Duration d) {
    return copy(v -> v.createBarrierTimeout = d);
  }

  /** A copy with another {@code maxEpochSkew}. */
  public EngineLimits withMaxEpochSkew(Duration d) {
    return copy(v -> v.maxEpochSkew = d);
  }

  /** A copy with another {@code retriesBeforeReport}. */
  public EngineLimits withRetriesBeforeReport(int n) {
    return copy(v -> v.retriesBeforeReport = n);
  }

  private EngineLimits copy(java.util.function.Consumer<Values> change) {
    Values v = new Values(this);
    change.accept(v);
    return v.build();
  }

  /** The components as mutable fields, for the {@code with*} copies. */
  private static final class Values {
    int maxEphemeralObjects;
    int maxDirtyObjects;
    int maxBatchObjects;
    int maxInflightBatches;
    int maxTemplates;
    Duration fallbackAfter;
    Duration retryInitial;
    Duration retryMax;
    boolean requireVerifiedPeers;
    Duration ackTimeout;
    Duration createBarrierTimeout;
    Duration maxEpochSkew;
    int retriesBeforeReport;

    Values(EngineLimits l) {
      maxEphemeralObjects = l.maxEphemeralObjects;
      maxDirtyObjects = l.maxDirtyObjects;
      maxBatchObjects = l.maxBatchObjects;
      maxInflightBatches = l.maxInflightBatches;
      maxTemplates = l.maxTemplates;
      fallbackAfter = l.fallbackAfter;
      retryInitial = l.retryInitial;
      retryMax = l.retryMax;
      requireVerifiedPeers = l.requireVerifiedPeers;
      ackTimeout = l.ackTimeout;
      createBarrierTimeout = l.createBarrierTimeout;
      maxEpochSkew = l.maxEpochSkew;
      retriesBeforeReport = l.retriesBeforeReport;
    }

    EngineLimits build() {
      return new EngineLimits(
          maxEphemeralObjects,
          maxDirtyObjects,
          maxBatchObjects,
          maxInflightBatches,
          maxTemplates,
          fallbackAfter,
          retryInitial,
          retryMax,
          requireVerifiedPeers,
          ackTimeout,
          createBarrierTimeout,
          maxEpochSkew,
          retriesBeforeReport);
    }
  }
}
