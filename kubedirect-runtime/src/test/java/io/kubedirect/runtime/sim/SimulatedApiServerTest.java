package io.kubedirect.runtime.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubedirect.api.KindStrategies;
import io.kubedirect.api.KindStrategy;
import io.kubedirect.api.WriteResult;
import io.kubedirect.api.WriteResult.Status;
import io.kubedirect.runtime.internal.model.ObjectSupport;
import io.kubedirect.runtime.spi.PersistedObjectApi;
import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubedirect.transport.inmemory.DeterministicTaskScheduler;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SimulatedApiServerTest {

  private final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(1);
  private final SimulatedApiServer server =
      new SimulatedApiServer(sched, new Random(1), InMemoryNetwork.builder(sched).build().trace());
  private final PersistedObjectApi api = server.clientFor("tester");

  @Test
  void createAssignsAResourceVersionIgnoresStatusAndRefusesDuplicates() {
    V1Pod pod = SimPods.ready(SimPods.newPod("web", "p1"));
    WriteResult r = api.create(SimPods.KIND, pod);
    assertThat(r.status()).isEqualTo(Status.OK);
    V1Pod stored = (V1Pod) r.object();
    assertThat(stored.getMetadata().getResourceVersion()).isNotBlank();
    assertThat(stored.getStatus()).isNull();
    assertThat(api.create(SimPods.KIND, pod).status()).isEqualTo(Status.ALREADY_EXISTS);
    assertThat(pod.getStatus()).isNotNull(); // the caller's object is not modified
  }

  @Test
  void updatesCheckTheResourceVersionAndTouchOnlyTheirPart() {
    V1Pod stored = (V1Pod) api.create(SimPods.KIND, SimPods.newPod("web", "p1")).object();
    String rv1 = stored.getMetadata().getResourceVersion();

    V1Pod labelled = labelled(stored);
    WriteResult u = api.update(SimPods.KIND, labelled);
    assertThat(u.status()).isEqualTo(Status.OK);
    String rv2 = u.object().getMetadata().getResourceVersion();
    assertThat(Long.parseLong(rv2)).isGreaterThan(Long.parseLong(rv1));
    assertThat(api.update(SimPods.KIND, labelled).status())
        .as("stale rv")
        .isEqualTo(Status.CONFLICT);

    // Like the API Server: nodeName of a stored pod is set through its binding, once.
    V1Pod bound = SimPods.bound((V1Pod) u.object(), "node-1");
    assertThat(api.update(SimPods.KIND, bound).status())
        .as("spec is immutable")
        .isEqualTo(Status.FAILED);
    assertThat(bind(bound, (V1Pod) u.object()).status()).isEqualTo(Status.OK);
    assertThat(bind(SimPods.bound((V1Pod) u.object(), "node-2"), (V1Pod) u.object()).status())
        .as("already bound")
        .isEqualTo(Status.CONFLICT);

    V1Pod ready = SimPods.ready((V1Pod) api.get(SimPods.KIND, "default", "p1").orElseThrow());
    ready.getSpec().setNodeName("ignored-by-status-update");
    WriteResult s = api.updateStatus(SimPods.KIND, ready);
    assertThat(s.status()).isEqualTo(Status.OK);
    V1Pod now = (V1Pod) api.get(SimPods.KIND, "default", "p1").orElseThrow();
    assertThat(SimPods.isReady(now)).isTrue();
    assertThat(SimPods.nodeName(now)).isEqualTo("node-1");

    V1Pod relabel = labelled(now);
    relabel.setStatus(null);
    assertThat(api.update(SimPods.KIND, relabel).status()).isEqualTo(Status.OK);
    now = (V1Pod) api.get(SimPods.KIND, "default", "p1").orElseThrow();
    assertThat(SimPods.isReady(now)).as("update keeps the status").isTrue();
  }

  private static V1Pod labelled(V1Pod pod) {
    V1Pod c = ObjectSupport.deepCopy(pod);
    c.getMetadata().putLabelsItem("touched", c.getMetadata().getResourceVersion());
    return c;
  }

  private WriteResult bind(V1Pod desired, V1Pod stored) {
    KindStrategy.SubresourceWrite w = KindStrategies.pods().subresourceWrite(desired, stored);
    return api.createSubresource(
        SimPods.KIND, "default", stored.getMetadata().getName(), w.subresource(), w.body());
  }

  @Test
  void deleteAndNotFound() {
    api.create(SimPods.KIND, SimPods.newPod("web", "p1"));
    assertThat(api.delete(SimPods.KIND, "default", "p1").status()).isEqualTo(Status.OK);
    assertThat(api.delete(SimPods.KIND, "default", "p1").status()).isEqualTo(Status.NOT_FOUND);
    assertThat(api.get(SimPods.KIND, "default", "p1")).isEmpty();
    assertThat(api.update(SimPods.KIND, SimPods.newPod("web", "p1")).status())
        .isEqualTo(Status.NOT_FOUND);
    assertThat(server.history())
        .extracting(SimulatedApiServer.Write::writer)
        .containsOnly("tester");
    assertThat(server.history())
        .extracting(SimulatedApiServer.Write::op)
        .containsExactly("create", "delete", "delete", "update");
  }

  @Test
  void injectedFailures() {
    server.setFaults(1.0, 0, 0);
    assertThat(api.create(SimPods.KIND, SimPods.newPod("web", "p1")).status())
        .isEqualTo(Status.RETRYABLE_FAILURE);
    assertThat(api.get(SimPods.KIND, "default", "p1")).isEmpty();

    server.setFaults(0, 1.0, 0);
    assertThat(api.create(SimPods.KIND, SimPods.newPod("web", "p1")).status())
        .isEqualTo(Status.RETRYABLE_FAILURE);
    assertThat(api.get(SimPods.KIND, "default", "p1"))
        .as("committed despite the error")
        .isPresent();

    server.setFaults(0, 0, 1.0);
    V1Pod cur = (V1Pod) api.get(SimPods.KIND, "default", "p1").orElseThrow();
    assertThat(api.update(SimPods.KIND, labelled(cur)).status()).isEqualTo(Status.CONFLICT);

    server.quiesce();
    assertThat(api.update(SimPods.KIND, labelled(cur)).status()).isEqualTo(Status.OK);
  }

  @Test
  void feedsListThenWatchInOrderAfterADelayAndStopWhenClosed() {
    api.create(SimPods.KIND, SimPods.newPod("web", "p1"));
    SimulatedApiServer.Feed feed = server.newFeed("watcher", Duration.ofMillis(20));
    List<String> seen = new ArrayList<>();
    feed.addListener(
        SimPods.KIND,
        new PersistedObjectFeed.Listener() {
          @Override
          public void onPersisted(KubernetesObject object) {
            seen.add(
                "+"
                    + object.getMetadata().getName()
                    + "@"
                    + object.getMetadata().getResourceVersion());
          }

          @Override
          public void onDeleted(KubernetesObject object) {
            seen.add("-" + object.getMetadata().getName());
          }
        });
    assertThat(seen).isEmpty();
    for (int i = 2; i <= 20; i++) {
      api.create(SimPods.KIND, SimPods.newPod("web", "p" + i));
    }
    api.delete(SimPods.KIND, "default", "p1");
    sched.runFor(Duration.ofMillis(25));
    assertThat(seen).hasSize(21);
    assertThat(seen.get(0)).startsWith("+p1@");
    assertThat(seen.get(20)).isEqualTo("-p1");
    for (int i = 1; i < 20; i++) {
      assertThat(seen.get(i)).startsWith("+p" + (i + 1) + "@");
    }

    feed.close();
    api.create(SimPods.KIND, SimPods.newPod("web", "late"));
    sched.runFor(Duration.ofMillis(100));
    assertThat(seen).hasSize(21);
  }

  @Test
  void aDeleteWithAUidPreconditionDeletesOnlyThatIncarnation() {
    V1Pod first = (V1Pod) api.create(SimPods.KIND, SimPods.newPod("web", "p1")).object();
    String uid1 = first.getMetadata().getUid();
    assertThat(server.delete("tester", SimPods.KIND, "default", "p1", "some-other-uid").status())
        .isEqualTo(Status.CONFLICT);
    assertThat(api.get(SimPods.KIND, "default", "p1")).isPresent();
    assertThat(server.delete("tester", SimPods.KIND, "default", "p1", uid1).status())
        .isEqualTo(Status.OK);
    assertThat(server.delete("tester", SimPods.KIND, "default", "p1", uid1).status())
        .isEqualTo(Status.NOT_FOUND);

    V1Pod second = (V1Pod) api.create(SimPods.KIND, SimPods.newPod("web", "p1")).object();
    assertThat(second.getMetadata().getUid()).isNotEqualTo(uid1);
    assertThat(server.delete("tester", SimPods.KIND, "default", "p1", uid1).status())
        .as("stale uid")
        .isEqualTo(Status.CONFLICT);
    assertThat(server.delete("tester", SimPods.KIND, "default", "p1", null).status())
        .as("no precondition")
        .isEqualTo(Status.OK);
  }

  @Test
  void rejectedCreatesFailForGoodAndCreateListenersSeeAppliedCreatesOnly() {
    List<String> created = new ArrayList<>();
    server.onCreate(o -> created.add(o.getMetadata().getName()));
    server.rejectCreates(o -> o.getMetadata().getName().startsWith("denied"));
    server.quiesce(); // does not lift the rejection
    WriteResult r = api.create(SimPods.KIND, SimPods.newPod("web", "denied-1"));
    assertThat(r.status()).isEqualTo(Status.FAILED);
    assertThat(r.message()).contains("403");
    assertThat(api.get(SimPods.KIND, "default", "denied-1")).isEmpty();
    assertThat(api.create(SimPods.KIND, SimPods.newPod("web", "ok-1")).status())
        .isEqualTo(Status.OK);
    assertThat(created).containsExactly("ok-1");
    assertThat(server.history())
        .extracting(w -> w.key() + " " + w.status())
        .containsExactly("default/denied-1 FAILED", "default/ok-1 OK");
  }
}
