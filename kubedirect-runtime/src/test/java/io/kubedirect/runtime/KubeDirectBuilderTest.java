package io.kubedirect.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubedirect.api.DirectStage;
import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.StageDeclaration;
import io.kubedirect.api.WriteBackPolicy;
import io.kubedirect.api.WriteException;
import io.kubedirect.runtime.internal.engine.FakeDiscovery;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.informer.SharedInformerFactory;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class KubeDirectBuilderTest {

  @DirectStage(name = "sm", upstream = "scheduler", receives = V1Pod.class)
  static final class SandboxManager {}

  static ApiClient client() {
    ApiClient c = new ApiClient();
    c.setReadTimeout(0);
    return c;
  }

  final Transport transport =
      InMemoryNetwork.builder(new DeterministicTaskScheduler(1)).build().transport("sm");

  @Test
  void validatesRequiredSettings() {
    assertThatThrownBy(() -> KubeDirect.builder().stage(SandboxManager.class).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("apiClient");
    ApiClient timeout = new ApiClient();
    timeout.setReadTimeout(5000);
    assertThatThrownBy(
            () -> KubeDirect.builder().apiClient(timeout).stage(SandboxManager.class).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("read timeout");
    assertThatThrownBy(() -> KubeDirect.builder().apiClient(client()).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("stage");
    assertThatThrownBy(
            () -> KubeDirect.builder().apiClient(client()).stage(SandboxManager.class).build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("transport");
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(SandboxManager.class)
                    .transport(transport)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("listen");
    StageDeclaration producer =
        StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build();
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(producer)
                    .transport(transport)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("discovery");
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(producer)
                    .transport(transport)
                    .discovery(new FakeDiscovery())
                    .fallbackAfter(Duration.ZERO)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("fallbackAfter");
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(producer)
                    .transport(transport)
                    .discovery(new FakeDiscovery())
                    .ackTimeout(Duration.ofSeconds(-1))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("ackTimeout");
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(producer)
                    .transport(transport)
                    .discovery(new FakeDiscovery())
                    .workerThreads(0)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("workerThreads");
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(producer)
                    .transport(transport)
                    .discovery(new FakeDiscovery())
                    .writeBackConcurrency(0)
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("writeBackConcurrency");
    StageDeclaration publisher =
        StageDeclaration.builder("sm")
            .upstream("rs")
            .receives(V1Pod.class)
            .subscribers("activator")
            .build();
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(publisher)
                    .transport(transport)
                    .listen(new io.kubedirect.transport.PeerAddress("sm", 0))
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("discovery is required")
        .hasMessageContaining("subscribers [activator]");
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(publisher)
                    .transport(transport)
                    .listen(new io.kubedirect.transport.PeerAddress("sm", 0))
                    .discovery(new FakeDiscovery())
                    .instance("Node_1")
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("instance");
  }

  @Test
  void buildsAStageWithTheRetrofitSurface() {
    try (KubeDirect kd =
        KubeDirect.builder()
            .apiClient(client())
            .stage(SandboxManager.class)
            .transport(transport)
            .listen(new PeerAddress("sm", 0))
            .writeBack(V1Pod.class, WriteBackPolicy.EAGER)
            .routingKey(V1Pod.class, p -> p.getSpec().getNodeName())
            .build()) {
      assertThat(kd.stage().name()).isEqualTo("sm");
      assertThat(kd.informerFactory()).isInstanceOf(SharedInformerFactory.class);
      assertThat(kd.writer(V1Pod.class)).isSameAs(kd.writer(V1Pod.class));
      assertThat(kd.localAddress()).isEmpty();
    }
  }

  @Test
  void writeBackPolicies() {
    assertThat(WriteBackPolicy.lazy(Duration.ofMillis(5)).mode())
        .isEqualTo(WriteBackPolicy.Mode.LAZY);
    assertThat(WriteBackPolicy.EAGER.toString()).isEqualTo("EAGER");
    assertThatThrownBy(() -> WriteBackPolicy.lazy(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aTransportOfAnotherStageIsRejectedWithBothNames() {
    StageDeclaration producer =
        StageDeclaration.builder("rs").downstream("sm").emits(V1Pod.class).build();
    assertThatThrownBy(
            () ->
                KubeDirect.builder()
                    .apiClient(client())
                    .stage(producer)
                    .transport(transport)
                    .discovery(new FakeDiscovery())
                    .build())
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("'sm'")
        .hasMessageContaining("'rs'");
  }

  @Test
  void writerFuturesFailWithWriteExceptionAlways() {
    java.util.concurrent.CompletableFuture<io.kubernetes.client.common.KubernetesObject>
        linkFailure =
            java.util.concurrent.CompletableFuture.failedFuture(
                new io.kubedirect.transport.LinkException(
                    io.kubedirect.protocol.v1.ErrorCode.OVERLOADED,
                    "stage rs tracks 10 unpersisted objects"));
    io.kubedirect.runtime.internal.engine.StageEngine engine =
        org.mockito.Mockito.mock(io.kubedirect.runtime.internal.engine.StageEngine.class);
    org.mockito.Mockito.when(
            engine.write(
                org.mockito.ArgumentMatchers.anyString(),
                org.mockito.ArgumentMatchers.any(),
                org.mockito.ArgumentMatchers.any()))
        .thenReturn(linkFailure);
    DirectWriter<V1Pod> writer = new DefaultDirectWriter<>(V1Pod.class, "/v1/Pod", engine);
    java.util.concurrent.CompletableFuture<V1Pod> f =
        writer.create(
            new V1Pod()
                .metadata(
                    new io.kubernetes.client.openapi.models.V1ObjectMeta()
                        .name("p")
                        .namespace("default")));
    assertThat(f).isCompletedExceptionally();
    assertThatThrownBy(f::join)
        .hasCauseInstanceOf(WriteException.class)
        .cause()
        .satisfies(
            c -> {
              assertThat(((WriteException) c).status())
                  .isEqualTo(io.kubedirect.api.WriteResult.Status.RETRYABLE_FAILURE);
              assertThat(c.getCause()).isInstanceOf(io.kubedirect.transport.LinkException.class);
            });
  }

  @Test
  void leaderElectionIsValidatedAtBuild() {
    LeaderElection ok = LeaderElection.lease("ns", "sm");
    assertThat(ok.identity())
        .isNotBlank()
        .isNotEqualTo(LeaderElection.lease("ns", "sm").identity());
    assertThat(ok.leaseDuration()).isEqualTo(Duration.ofSeconds(15));
    assertThat(ok.renewDeadline()).isEqualTo(Duration.ofSeconds(10));
    assertThat(ok.retryPeriod()).isEqualTo(Duration.ofSeconds(2));
    assertThat(ok.releaseOnClose()).isTrue();
    assertThat(ok.advertise()).isEmpty();
    KubeDirect.Builder b =
        KubeDirect.builder()
            .apiClient(client())
            .stage(SandboxManager.class)
            .transport(transport)
            .listen(new PeerAddress("sm", 0));
    for (var bad :
        java.util.List.of(
            java.util.Map.entry(
                ok.leaseDuration(Duration.ofMillis(1500)), "whole number of seconds"),
            java.util.Map.entry(ok.leaseDuration(Duration.ZERO), "whole number of seconds"),
            java.util.Map.entry(ok.renewDeadline(Duration.ofSeconds(15)), "renewDeadline"),
            java.util.Map.entry(ok.retryPeriod(Duration.ofSeconds(10)), "retryPeriod"),
            java.util.Map.entry(ok.retryPeriod(Duration.ZERO), "retryPeriod"),
            java.util.Map.entry(ok.identity(" "), "identity"),
            java.util.Map.entry(LeaderElection.lease("", "sm"), "blank"))) {
      assertThatThrownBy(() -> b.leaderElection(bad.getKey()).build())
          .as(bad.getValue())
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining(bad.getValue());
    }
    try (KubeDirect kd =
        b.leaderElection(
                ok.identity("sm-0")
                    .leaseDuration(Duration.ofSeconds(3))
                    .renewDeadline(Duration.ofSeconds(2))
                    .retryPeriod(Duration.ofMillis(500)))
            .build()) {
      assertThat(kd.isLeader()).as("not started").isFalse();
      assertThat(kd.leadershipAcquired()).isNotDone();
      assertThat(kd.leadershipLost()).isNotDone();
    }
  }

  @Test
  void withoutLeaderElectionTheStageLeadsFromStartToClose() {
    try (KubeDirect kd =
        KubeDirect.builder()
            .apiClient(client())
            .stage(SandboxManager.class)
            .transport(transport)
            .listen(new PeerAddress("sm", 0))
            .build()) {
      assertThat(kd.isLeader()).isFalse();
      kd.start();
      assertThat(kd.isLeader()).isTrue();
      assertThat(kd.leadershipAcquired()).isCompleted();
      kd.close();
      assertThat(kd.isLeader()).isFalse();
      assertThat(kd.leadershipLost()).as("closing is not losing").isNotDone();
    }
  }
}
