package io.kubedirect.it.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.api.WriteResult;
import io.kubedirect.api.discovery.DiscoveryKeys;
import io.kubedirect.api.discovery.PeerDiscovery;
import io.kubedirect.runtime.KubeDirect;
import io.kubedirect.runtime.LeaderElection;
import io.kubedirect.runtime.client.ExecutorServiceTaskScheduler;
import io.kubedirect.runtime.discovery.PeerDiscoveries;
import io.kubedirect.runtime.discovery.StaticPeerDiscovery;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubedirect.transport.inmemory.InMemoryTransport;
import io.kubernetes.client.informer.SharedIndexInformer;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.CoordinationV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Lease;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1Pod;
import io.kubernetes.client.openapi.models.V1PodList;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.util.generic.GenericKubernetesApi;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leader election of replicated stages against a real kube-apiserver (the Lease) over the in-memory
 * transport: only the replica holding the Lease runs the stage; a standby takes over once a crashed
 * leader's Lease expired, with a newer epoch at the downstream; a leader whose Lease is taken stops
 * its engine at its next renewal; a leader that closes hands the Lease over at once, and upstreams
 * find the new leader's address in the Lease.
 */
@LocalKubernetes
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class LeaderElectionIT {

  private static final Logger log = LoggerFactory.getLogger(LeaderElectionIT.class);
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration RENEW = Duration.ofSeconds(2);
  private static final Duration RETRY = Duration.ofMillis(500);
  private static final StageDeclaration HEAD =
      StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build();
  private static final StageDeclaration TAIL =
      StageDeclaration.builder("sm").upstream("rs").receives(V1Pod.class).build();

  private final List<AutoCloseable> closeLast = new ArrayList<>();
  private ApiClient client;
  private String ns;
  private ExecutorServiceTaskScheduler sched;
  private InMemoryNetwork net;
  private SharedInformerFactory plain;
  private SharedIndexInformer<V1Pod> persisted;

  @BeforeEach
  void setUp(ApiClient client) throws Exception {
    this.client = client;
    ns = "kd-le-" + Long.toHexString(System.nanoTime());
    new CoreV1Api(client)
        .createNamespace(new V1Namespace().metadata(new V1ObjectMeta().name(ns)))
        .execute();
    sched = new ExecutorServiceTaskScheduler("le-net", 2);
    net = InMemoryNetwork.builder(sched).build();
    plain = new SharedInformerFactory(client);
    persisted =
        plain.sharedIndexInformerFor(
            new GenericKubernetesApi<>(V1Pod.class, V1PodList.class, "", "v1", "pods", client),
            V1Pod.class,
            0L);
    plain.startAllRegisteredInformers();
  }

  @AfterEach
  void tearDown() throws Exception {
    plain.stopAllRegisteredInformers();
    for (int i = closeLast.size() - 1; i >= 0; i--) {
      closeLast.get(i).close();
    }
    sched.close();
  }

  private LeaderElection election(String lease, String identity) {
    return LeaderElection.lease(ns, lease)
        .identity(identity)
        .leaseDuration(LEASE)
        .renewDeadline(RENEW)
        .retryPeriod(RETRY);
  }

  /**
   * A replica of the tail ({@code sm}) listening at {@code <instance>:7302}; its informers start
   * when it leads.
   */
  private KubeDirect tail(String instance, LeaderElection election, MeterRegistry meters) {
    KubeDirect.Builder b =
        KubeDirect.builder()
            .apiClient(client)
            .stage(TAIL)
            .transport(InMemoryTransport.builder(net, "sm").instance(instance).build())
            .listen(new PeerAddress(instance, 7302))
            .meterRegistry(meters)
            .writeBack(V1Pod.class, WriteBackPolicy.EXPOSE_ON_RECEIPT); // persists what it receives
    if (election != null) {
      b.leaderElection(election);
    }
    return started(b.build());
  }

  /** A replica of the head ({@code rs}); its informers (its "controller") start when it leads. */
  private KubeDirect head(String instance, LeaderElection election, PeerDiscovery discovery) {
    KubeDirect.Builder b =
        KubeDirect.builder()
            .apiClient(client)
            .stage(HEAD)
            .transport(InMemoryTransport.builder(net, "rs").instance(instance).build())
            .discovery(discovery);
    if (election != null) {
      b.leaderElection(election);
    }
    return started(b.build());
  }

  private KubeDirect started(KubeDirect kd) {
    closeLast.add(kd);
    kd.leadershipAcquired().thenRun(() -> kd.informerFactory().startAllRegisteredInformers());
    kd.leadershipLost().thenRun(() -> kd.informerFactory().stopAllRegisteredInformers());
    kd.start();
    return kd;
  }

  private List<CompletableFuture<V1Pod>> create(KubeDirect head, String prefix, int n) {
    DirectWriter<V1Pod> pods = head.writer(V1Pod.class);
    List<CompletableFuture<V1Pod>> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(
          pods.create(
              new V1Pod()
                  .apiVersion("v1")
                  .kind("Pod")
                  .metadata(new V1ObjectMeta().name(prefix + i).namespace(ns))
                  .spec(
                      new V1PodSpec()
                          .nodeName("node-1")
                          .containers(
                              List.of(
                                  new V1Container().name("main").image("registry.local/fn:1"))))));
    }
    return out;
  }

  private long persistedIn(String prefix) {
    return persisted.getIndexer().list().stream()
        .filter(
            p ->
                ns.equals(p.getMetadata().getNamespace())
                    && p.getMetadata().getName().startsWith(prefix))
        .count();
  }

  private V1Lease lease(String name) throws Exception {
    return new CoordinationV1Api(client).readNamespacedLease(name, ns).execute();
  }

  private static double sourceEpoch(MeterRegistry meters, String source) {
    Gauge g = meters.find("kubedirect.source.epoch").tag("source", source).gauge();
    return g == null ? 0 : g.value();
  }

  @Test
  void onlyTheLeaderRunsTheStageAndAStandbyTakesOverACrashedLeaderWithANewerEpoch()
      throws Exception {
    MeterRegistry tailMeters = new SimpleMeterRegistry();
    KubeDirect sm = tail("sm", null, tailMeters);
    StaticPeerDiscovery toTail =
        PeerDiscoveries.staticTable().stage("sm", new PeerAddress("sm", 7302)).build();
    KubeDirect a = head("rs-a", election("rs", "rs-a").releaseOnClose(false), toTail);
    await().atMost(Duration.ofSeconds(30)).until(a::isLeader);
    KubeDirect b = head("rs-b", election("rs", "rs-b").releaseOnClose(false), toTail);
    // The standby stays a standby while the leader renews, and writes nothing.
    await()
        .during(LEASE.plus(RETRY.multipliedBy(2)))
        .atMost(LEASE.multipliedBy(3))
        .until(() -> !b.isLeader());
    assertThatThrownBy(() -> create(b, "standby-", 1).get(0).join())
        .cause()
        .isInstanceOf(WriteException.class)
        .satisfies(
            e -> assertThat(((WriteException) e).status()).isEqualTo(WriteResult.Status.FAILED))
        .hasMessageContaining("does not lead");
    assertThat(lease("rs").getSpec().getHolderIdentity()).isEqualTo("rs-a");
    assertThat(lease("rs").getMetadata().getLabels())
        .containsEntry(DiscoveryKeys.STAGE_LABEL, "rs");

    CompletableFuture.allOf(create(a, "a-", 10).toArray(CompletableFuture[]::new))
        .get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> persistedIn("a-") == 10);
    double epochA = sourceEpoch(tailMeters, "rs");
    assertThat(epochA).isPositive();

    // A crash: the leader stops without giving the Lease up; the standby waits for it to expire.
    long killed = System.nanoTime();
    a.close();
    await().atMost(LEASE.multipliedBy(4)).pollInterval(Duration.ofMillis(20)).until(b::isLeader);
    long takeoverMs = (System.nanoTime() - killed) / 1_000_000;
    log.info(
        "standby took over the crashed leader's Lease after {} ms (lease {} ms, retry {} ms)",
        takeoverMs,
        LEASE.toMillis(),
        RETRY.toMillis());
    assertThat(takeoverMs)
        .as("the Lease had to expire first")
        .isGreaterThanOrEqualTo(LEASE.toMillis() - RETRY.toMillis());
    assertThat(lease("rs").getSpec().getHolderIdentity()).isEqualTo("rs-b");

    CompletableFuture.allOf(create(b, "b-", 10).toArray(CompletableFuture[]::new))
        .get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> persistedIn("b-") == 10);
    assertThat(sourceEpoch(tailMeters, "rs"))
        .as("the new leader's epoch fences the old one")
        .isGreaterThan(epochA);
    assertThat(persistedIn("")).isEqualTo(20);
    assertThat(sm.isLeader()).as("a stage without election always leads").isTrue();
  }

  @Test
  void aLeaderWhoseLeaseIsTakenStopsItsEngineAtItsNextRenewal() throws Exception {
    tail("sm", null, new SimpleMeterRegistry());
    KubeDirect a =
        head(
            "rs-a",
            election("rs", "rs-a"),
            PeerDiscoveries.staticTable().stage("sm", new PeerAddress("sm", 7302)).build());
    await().atMost(Duration.ofSeconds(30)).until(a::isLeader);
    CompletableFuture.allOf(create(a, "a-", 3).toArray(CompletableFuture[]::new))
        .get(30, TimeUnit.SECONDS);

    // Another holder takes the Lease (as a replica that believes it expired would).
    CoordinationV1Api coordination = new CoordinationV1Api(client);
    V1Lease l = lease("rs");
    l.getSpec().holderIdentity("intruder").renewTime(OffsetDateTime.now()).leaseDurationSeconds(60);
    coordination.replaceNamespacedLease("rs", ns, l).execute();
    long taken = System.nanoTime();
    a.leadershipLost().get(RENEW.toMillis() + RETRY.toMillis() * 3, TimeUnit.MILLISECONDS);
    long stoppedMs = (System.nanoTime() - taken) / 1_000_000;
    log.info(
        "the leader stopped {} ms after its Lease was taken (retry {} ms, renew deadline {} ms)",
        stoppedMs,
        RETRY.toMillis(),
        RENEW.toMillis());
    assertThat(a.isLeader()).isFalse();
    assertThat(stoppedMs)
        .as("at its next renewal, before the renew deadline")
        .isLessThan(RENEW.toMillis());
    assertThatThrownBy(() -> create(a, "late-", 1).get(0).join())
        .cause()
        .isInstanceOf(WriteException.class)
        .hasMessageContaining("does not lead");
  }

  @Test
  void aClosingLeaderHandsOverAtOnceAndUpstreamsFindTheNewLeaderInTheLease() throws Exception {
    KubeDirect smA = tail("sm-a", election("sm", "sm-a"), new SimpleMeterRegistry());
    await().atMost(Duration.ofSeconds(30)).until(smA::isLeader);
    KubeDirect smB = tail("sm-b", election("sm", "sm-b"), new SimpleMeterRegistry());
    PeerDiscovery leases =
        PeerDiscoveries.lease().namespace(ns).stage("sm", "sm").apiClient(client).build();
    closeLast.add(leases);
    KubeDirect rs = head("rs", null, leases);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(lease("sm").getMetadata().getAnnotations())
                  .containsEntry(DiscoveryKeys.LINK_ADDRESS_ANNOTATION, "sm-a:7302");
              assertThat(leases.resolve("sm", "node-1")).contains(new PeerAddress("sm-a", 7302));
            });
    assertThat(smA.localAddress()).contains(new PeerAddress("sm-a", 7302));
    assertThat(smB.localAddress()).as("a standby does not listen").isEmpty();
    CompletableFuture.allOf(create(rs, "a-", 10).toArray(CompletableFuture[]::new))
        .get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> persistedIn("a-") == 10);

    long closed = System.nanoTime();
    smA.close();
    await().atMost(RETRY.multipliedBy(8)).pollInterval(Duration.ofMillis(20)).until(smB::isLeader);
    long handoverMs = (System.nanoTime() - closed) / 1_000_000;
    await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () ->
                leases
                    .resolve("sm", "node-1")
                    .equals(java.util.Optional.of(new PeerAddress("sm-b", 7302))));
    log.info(
        "a released Lease was taken over after {} ms; the new address was in the Lease after {} ms",
        handoverMs,
        (System.nanoTime() - closed) / 1_000_000);
    assertThat(lease("sm").getSpec().getHolderIdentity()).isEqualTo("sm-b");
    CompletableFuture.allOf(create(rs, "b-", 10).toArray(CompletableFuture[]::new))
        .get(30, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(30)).until(() -> persistedIn("b-") == 10);
    assertThat(persistedIn("")).isEqualTo(20);
    assertThat(Map.of("rs", rs.isLeader())).containsEntry("rs", true);
  }
}
