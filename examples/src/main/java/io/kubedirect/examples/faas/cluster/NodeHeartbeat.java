package io.kubedirect.examples.faas.cluster;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1LeaseSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews the {@code kube-node-lease/<node>} Lease of each pool node periodically, as a kubelet
 * does, so that kube-controller-manager's node lifecycle controller keeps the nodes Ready (and
 * untainted) while no real kubelet runs.
 */
public final class NodeHeartbeat implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(NodeHeartbeat.class);
  private static final String NAMESPACE = "kube-node-lease";
  private static final int LEASE_SECONDS = 40;

  private final CoordinationV1Api api;
  private final List<String> nodes;
  private final ScheduledExecutorService timer;

  private NodeHeartbeat(ApiClient apiClient, List<String> nodes, Duration period) {
    this.api = new CoordinationV1Api(apiClient);
    this.nodes = List.copyOf(nodes);
    this.timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "node-heartbeat");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::renewAll, 0, period.toMillis(), TimeUnit.MILLISECONDS);
  }

  /**
   * Starts renewing the leases of {@code nodes} every {@code period}.
   *
   * @throws IllegalArgumentException if {@code period} is not positive or {@code nodes} is empty
   */
  public static NodeHeartbeat start(ApiClient apiClient, List<String> nodes, Duration period) {
    Objects.requireNonNull(apiClient, "apiClient");
    if (nodes.isEmpty() || period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("need at least one node and a positive period");
    }
    return new NodeHeartbeat(apiClient, nodes, period);
  }

  private void renewAll() {
    for (String node : nodes) {
      try {
        renew(node);
      } catch (ApiException e) {
        log.warn("lease renewal of {} failed: {} {}", node, e.getCode(), e.getResponseBody());
      } catch (RuntimeException e) {
        log.warn("lease renewal of {} failed", node, e);
      }
    }
  }

  private void renew(String node) throws ApiException {
    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    V1Lease lease;
    try {
      lease = api.readNamespacedLease(node, NAMESPACE).execute();
    } catch (ApiException e) {
      if (e.getCode() != 404) {
        throw e;
      }
      api.createNamespacedLease(
              NAMESPACE,
              new V1Lease()
                  .metadata(new V1ObjectMeta().name(node).namespace(NAMESPACE))
                  .spec(
                      new V1LeaseSpec()
                          .holderIdentity(node)
                          .leaseDurationSeconds(LEASE_SECONDS)
                          .renewTime(now)))
          .execute();
      return;
    }
    lease.getSpec().setRenewTime(now);
    api.replaceNamespacedLease(node, NAMESPACE, lease).execute();
  }

  /** Stops renewing. */
  @Override
  public void close() {
    timer.shutdownNow();
  }
}
