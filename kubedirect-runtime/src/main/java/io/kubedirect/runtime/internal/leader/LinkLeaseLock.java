package io.kubedirect.runtime.internal.leader;

import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.transport.PeerAddress;
import io.kubernetes.client.extended.leaderelection.LeaderElectionRecord;
import io.kubernetes.client.extended.leaderelection.Lock;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.net.HttpURLConnection;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@code coordination.k8s.io/v1} Lease as the lock of client-java's {@code LeaderElector}, which
 * also tells upstream stages where the leader listens: every write that takes or renews the Lease
 * for this identity sets the annotation {@link DiscoveryKeys#LINK_ADDRESS_ANNOTATION} to the
 * advertised address (when there is one yet) and the label {@link DiscoveryKeys#STAGE_LABEL}; a
 * write for another holder, or the release (no holder), removes the annotation. Holder and address
 * therefore change in one write: a reader never sees one holder with another replica's address.
 *
 * <p>Writes are replaces with the resourceVersion last read, so two candidates never both win one
 * round. {@link #publish()} writes the address once it is known (the stage listens only after it
 * became leader). {@link #disable()} makes every later write of the elector fail; {@link
 * #release()} then gives the Lease up (or, not called, lets it expire as after a crash).
 * Thread-safe.
 */
public final class LinkLeaseLock implements Lock {

  private static final Logger log = LoggerFactory.getLogger(LinkLeaseLock.class);

  private final CoordinationV1Api api;
  private final String namespace;
  private final String name;
  private final String identity;
  private final String stage;
  private final Supplier<Optional<PeerAddress>> advertised;
  private final Consumer<String> onOtherHolder;
  private V1Lease latest; // guarded by this
  private boolean disabled; // guarded by this

  /**
   * A lock on the Lease {@code namespace/name} for {@code identity}, playing {@code stage}.
   *
   * @param advertised the link address to publish while this identity holds the Lease (empty: none
   *     yet)
   * @param onOtherHolder called (on the elector's thread) with the holder's identity when a read
   *     shows another holder, so a leader that lost the Lease learns it at its next renewal, not
   *     only at its renew deadline
   */
  public LinkLeaseLock(
      ApiClient client,
      String namespace,
      String name,
      String identity,
      String stage,
      Supplier<Optional<PeerAddress>> advertised,
      Consumer<String> onOtherHolder) {
    this.api = new CoordinationV1Api(Objects.requireNonNull(client, "client"));
    this.namespace = Objects.requireNonNull(namespace, "namespace");
    this.name = Objects.requireNonNull(name, "name");
    this.identity = Objects.requireNonNull(identity, "identity");
    this.stage = Objects.requireNonNull(stage, "stage");
    this.advertised = Objects.requireNonNull(advertised, "advertised");
    this.onOtherHolder = Objects.requireNonNull(onOtherHolder, "onOtherHolder");
  }

  @Override
  public LeaderElectionRecord get() throws ApiException {
    V1Lease lease = api.readNamespacedLease(name, namespace).execute();
    synchronized (this) {
      latest = lease;
    }
    LeaderElectionRecord record = record(lease.getSpec());
    String holder = record.getHolderIdentity();
    if (holder != null && !holder.isEmpty() && !holder.equals(identity)) {
      onOtherHolder.accept(holder);
    }
    return record;
  }

  @Override
  public synchronized boolean create(LeaderElectionRecord record) {
    if (disabled) {
      return false;
    }
    V1ObjectMeta meta = new V1ObjectMeta().name(name).namespace(namespace);
    if (record.getOwnerReference() != null) {
      meta.setOwnerReferences(List.of(record.getOwnerReference()));
    }
    V1Lease lease = new V1Lease().metadata(meta).spec(spec(record));
    mark(lease, record.getHolderIdentity());
    try {
      latest = api.createNamespacedLease(namespace, lease).execute();
      return true;
    } catch (ApiException e) {
      logFailure("create", e);
      return false;
    }
  }

  @Override
  public synchronized boolean update(LeaderElectionRecord record) {
    if (disabled || latest == null) {
      return false;
    }
    return replace(spec(record), record.getHolderIdentity());
  }

  /**
   * Writes the advertised address into the Lease if this identity holds it and the Lease does not
   * name that address yet (called once the stage listens). A conflict with a concurrent renewal is
   * retried once with a fresh read; otherwise the next renewal writes it.
   */
  public void publish() {
    for (int attempt = 0; attempt < 2; attempt++) {
      synchronized (this) {
        if (disabled
            || latest == null
            || latest.getSpec() == null
            || !identity.equals(latest.getSpec().getHolderIdentity())) {
          return;
        }
        Optional<PeerAddress> address = advertised.get();
        String current = annotations(latest).get(DiscoveryKeys.LINK_ADDRESS_ANNOTATION);
        if (address.isEmpty() || address.get().toString().equals(current)) {
          return;
        }
        if (replace(latest.getSpec(), identity)) {
          log.info("lease {}: {} advertises {}", describe(), identity, address.get());
          return;
        }
      }
      try {
        get();
      } catch (ApiException e) {
        logFailure("read", e);
        return;
      }
    }
  }

  /**
   * Every later write of the elector fails (a closed replica renews nothing). Waits for a write in
   * progress.
   */
  public synchronized void disable() {
    disabled = true;
  }

  /**
   * Gives the Lease up if this identity holds it, as far as the last read knows: no holder, no
   * address, so a standby takes it at its next retry instead of after the lease duration. Works
   * after {@link #disable()} (call it after stopping the elector, so no renewal can take the Lease
   * back). Best effort.
   *
   * @return whether the Lease was released
   */
  public synchronized boolean release() {
    if (latest == null
        || latest.getSpec() == null
        || !identity.equals(latest.getSpec().getHolderIdentity())) {
      return false;
    }
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    V1LeaseSpec spec =
        new V1LeaseSpec()
            .holderIdentity(null)
            .leaseDurationSeconds(latest.getSpec().getLeaseDurationSeconds())
            .leaseTransitions(latest.getSpec().getLeaseTransitions())
            .acquireTime(now)
            .renewTime(now);
    boolean released = replace(spec, null);
    if (released) {
      log.info("lease {}: {} gave the Lease up", describe(), identity);
    }
    return released;
  }

  @Override
  public String identity() {
    return identity;
  }

  @Override
  public String describe() {
    return namespace + "/" + name;
  }

  /** Guarded by this. */
  private boolean replace(V1LeaseSpec spec, String holder) {
    V1Lease body =
        new V1Lease()
            .apiVersion(latest.getApiVersion())
            .kind(latest.getKind())
            .metadata(latest.getMetadata())
            .spec(spec);
    mark(body, holder);
    try {
      latest = api.replaceNamespacedLease(name, namespace, body).execute();
      return true;
    } catch (ApiException e) {
      logFailure("update", e);
      return false;
    }
  }

  /**
   * Sets the stage label, and the address annotation for this identity (removes it for any other
   * holder).
   */
  private void mark(V1Lease lease, String holder) {
    V1ObjectMeta meta = lease.getMetadata();
    Map<String, String> labels =
        meta.getLabels() == null ? new HashMap<>() : new HashMap<>(meta.getLabels());
    labels.put(DiscoveryKeys.STAGE_LABEL, stage);
    meta.setLabels(labels);
    Map<String, String> annotations = new HashMap<>(annotations(lease));
    Optional<PeerAddress> address = identity.equals(holder) ? advertised.get() : Optional.empty();
    if (address.isPresent()) {
      annotations.put(DiscoveryKeys.LINK_ADDRESS_ANNOTATION, address.get().toString());
    } else {
      annotations.remove(DiscoveryKeys.LINK_ADDRESS_ANNOTATION);
    }
    meta.setAnnotations(annotations.isEmpty() ? null : annotations);
  }

  private static Map<String, String> annotations(V1Lease lease) {
    Map<String, String> a =
        lease.getMetadata() == null ? null : lease.getMetadata().getAnnotations();
    return a == null ? Map.of() : a;
  }

  private void logFailure(String what, ApiException e) {
    if (e.getCode() == HttpURLConnection.HTTP_CONFLICT) {
      log.debug("lease {}: {} conflicted (another candidate wrote first)", describe(), what);
    } else {
      log.warn(
          "lease {}: {} failed: HTTP {} {}",
          describe(),
          what,
          e.getCode(),
          e.getResponseBody() != null && !e.getResponseBody().isEmpty()
              ? e.getResponseBody()
              : e.getMessage());
    }
  }

  private static LeaderElectionRecord record(V1LeaseSpec spec) {
    LeaderElectionRecord r = new LeaderElectionRecord();
    if (spec == null) {
      return r;
    }
    r.setHolderIdentity(
        spec.getHolderIdentity() == null || spec.getHolderIdentity().isEmpty()
            ? null
            : spec.getHolderIdentity());
    if (spec.getAcquireTime() != null) {
      r.setAcquireTime(Date.from(spec.getAcquireTime().toInstant()));
    }
    if (spec.getRenewTime() != null) {
      r.setRenewTime(Date.from(spec.getRenewTime().toInstant()));
    }
    r.setLeaseDurationSeconds(
        spec.getLeaseDurationSeconds() == null ? 0 : spec.getLeaseDurationSeconds());
    r.setLeaderTransitions(spec.getLeaseTransitions() == null ? 0 : spec.getLeaseTransitions());
    return r;
  }

  private static V1LeaseSpec spec(LeaderElectionRecord r) {
    V1LeaseSpec spec =
        new V1LeaseSpec()
            .holderIdentity(r.getHolderIdentity())
            .leaseDurationSeconds(r.getLeaseDurationSeconds())
            .leaseTransitions(r.getLeaderTransitions());
    if (r.getAcquireTime() != null) {
      spec.setAcquireTime(
          OffsetDateTime.ofInstant(
              Instant.ofEpochMilli(r.getAcquireTime().getTime()), ZoneOffset.UTC));
    }
    if (r.getRenewTime() != null) {
      spec.setRenewTime(
          OffsetDateTime.ofInstant(
              Instant.ofEpochMilli(r.getRenewTime().getTime()), ZoneOffset.UTC));
    }
    return spec;
  }
}
