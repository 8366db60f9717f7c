package io.kubedirect.it.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.bench.ClosedLoopLoad;
import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.ActivatorMetrics;
import io.kubedirect.examples.faas.cluster.Workloads;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.faas.sandbox.SandboxSpec;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.examples.knative.autoscaler.scaling.DeciderStatus;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1ReplicaSet;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request-driven scenario that the plain and the direct chain ITs share: on the real API
 * Server, a function declared as a Deployment at 0 replicas scales from zero on its first request,
 * up under a burst (to its max-scale), rolls to a new template revision during the burst, and back
 * to zero once the load stops; the API Server shows the exact state after each phase, and every
 * request gets exactly one 200. Bad input: an unknown function 404, a malformed path 400.
 */
final class ChainScenario {

  private static final Logger log = LoggerFactory.getLogger(ChainScenario.class);

  /** A chain as the scenario drives it. */
  interface Chain extends SliceStage {
    Activator activator();

    Optional<DeciderStatus> decision(RevisionKey function);
  }

  /** Builds the chain under test on the fixture's nodes, running sandboxes on {@code sandboxes}. */
  interface Factory {
    Chain create(ChainFixture f, HttpSandboxRuntime sandboxes);
  }

  private ChainScenario() {}

  /** {@code stage} with its activator and its autoscaler's decisions. */
  static Chain of(
      SliceStage stage,
      Supplier<Activator> activator,
      Function<RevisionKey, Optional<DeciderStatus>> decision) {
    return new Chain() {
      @Override
      public Activator activator() {
        return activator.get();
      }

      @Override
      public Optional<DeciderStatus> decision(RevisionKey function) {
        return decision.apply(function);
      }

      @Override
      public void start() {
        stage.start();
      }

      @Override
      public void stop() {
        stage.stop();
      }

      @Override
      public boolean isRunning() {
        return stage.isRunning();
      }

      @Override
      public boolean hasSynced() {
        return stage.hasSynced();
      }
    };
  }

  /**
   * Runs the scenario on the chain {@code factory} builds ({@code variant} names it in the log).
   */
  static void fromZeroUpThroughANewRevisionAndBackToZero(
      ApiClient api, String variant, Factory factory) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    try (ChainFixture f = new ChainFixture(api, "chain", 4);
        HttpSandboxRuntime sandboxes = HttpSandboxRuntime.create();
        Chain chain = factory.create(f, sandboxes)) {
      f.apps
          .createNamespacedDeployment(
              f.namespace,
              Workloads.function(
                  f.namespace,
                  ChainFixture.FUNCTION,
                  0,
                  8080,
                  PlainChainIT.functionAnnotations(),
                  true))
          .execute();
      chain.start();
      await().atMost(Duration.ofSeconds(60)).until(chain::hasSynced);
      Activator activator = chain.activator();
      RevisionKey fn = new RevisionKey(f.namespace, ChainFixture.FUNCTION);
      URI url =
          URI.create(
              "http://127.0.0.1:"
                  + activator.address().getPort()
                  + "/fn/"
                  + f.namespace
                  + "/"
                  + ChainFixture.FUNCTION);
      f.awaitExactly(0, Duration.ofSeconds(60));
      await().atMost(Duration.ofSeconds(30)).until(() -> chain.decision(fn).isPresent());
      List<ClosedLoopLoad.Answer> all = new ArrayList<>();

      // Bad input: unknown function 404, malformed path 400; the router keeps serving (below).
      assertThat(post(http, activator, "/fn/" + f.namespace + "/nope").statusCode()).isEqualTo(404);
      assertThat(post(http, activator, "/fn/" + f.namespace).statusCode()).isEqualTo(400);
      assertThat(post(http, activator, "/fn/Not_A_Namespace/" + ChainFixture.FUNCTION).statusCode())
          .isEqualTo(400);

      // Scale from zero: one client; its first request waits in the activator until the first pod
      // is Ready.
      ClosedLoopLoad single = ClosedLoopLoad.start(http, url, "single", 1);
      await().atMost(Duration.ofSeconds(60)).until(() -> single.ok() >= 1);
      ClosedLoopLoad.Answer first = single.answers().get(0);
      log.info(
          "first request answered {} ms after it was sent (scale from zero)",
          (first.answeredNanos() - first.sentNanos()) / 1_000_000);
      f.awaitExactly(1, Duration.ofSeconds(60));
      all.addAll(single.stop());
      assertThat(f.podsEverSeen()).hasSize(1);

      // Burst: 24 clients; the autoscaler scales to max-scale.
      ClosedLoopLoad burst = ClosedLoopLoad.start(http, url, "burst", PlainChainIT.BURST_CLIENTS);
      f.awaitExactly(PlainChainIT.MAX_SCALE, Duration.ofSeconds(90));
      V1ReplicaSet firstRevision = f.currentReplicaSet();

      // A new template revision during the burst: it ends with exactly the new revision's pods.
      f.annotateTemplate(SandboxSpec.SERVICE_TIME_ANNOTATION, "80");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  f.currentReplicaSet() != null
                      && !f.currentReplicaSet()
                          .getMetadata()
                          .getUid()
                          .equals(firstRevision.getMetadata().getUid()));
      f.awaitExactly(PlainChainIT.MAX_SCALE, Duration.ofSeconds(90));
      assertThat(f.replicaSets()).hasSize(2);
      String firstPrefix = firstRevision.getMetadata().getName() + "-";
      assertThat(f.podsEverSeen().stream().filter(n -> n.startsWith(firstPrefix)))
          .as("pods of revision 1")
          .hasSizeLessThanOrEqualTo(PlainChainIT.MAX_SCALE);
      all.addAll(burst.stop());
      log.info(
          variant + " burst ({} clients, max-scale {}), answers/pods per 500 ms: {}",
          PlainChainIT.BURST_CLIENTS,
          PlainChainIT.MAX_SCALE,
          burst.timeline(500));

      // No load: back to zero after the window and the grace period; the sandboxes stop with their
      // pods.
      f.awaitExactly(0, Duration.ofSeconds(120));
      await().atMost(Duration.ofSeconds(30)).until(() -> sandboxes.running() == 0);
      await().atMost(Duration.ofSeconds(30)).until(() -> activator.sandboxes(fn).isEmpty());

      // From zero again.
      ClosedLoopLoad again = ClosedLoopLoad.start(http, url, "again", 1);
      await().atMost(Duration.ofSeconds(60)).until(() -> again.ok() >= 1);
      all.addAll(again.stop());
      f.awaitExactly(1, Duration.ofSeconds(60));
      String secondPrefix = f.currentReplicaSet().getMetadata().getName() + "-";
      assertThat(f.podsEverSeen().stream().filter(n -> n.startsWith(secondPrefix)))
          .as("pods of revision 2")
          .hasSizeLessThanOrEqualTo(PlainChainIT.MAX_SCALE + 1);

      // Every request got exactly one answer, a 200 with its own body.
      assertThat(all).allSatisfy(a -> assertThat(a.ok()).as(a.toString()).isTrue());
      assertThat(all.stream().map(ClosedLoopLoad.Answer::body).distinct().count())
          .isEqualTo(all.size());
      assertThat(all.size()).isEqualTo(single.sent() + burst.sent() + again.sent());
      ActivatorMetrics.Snapshot m = activator.metrics().snapshot();
      log.info("activator: {}; pods ever created: {}", m, f.podsEverSeen().size());
      assertThat(m.proxied()).isEqualTo(all.size());
      assertThat(m.rejected() + m.proxyErrors() + m.proxyTimeouts()).isZero();
      assertThat(m.notFound()).isEqualTo(1);
      assertThat(m.badRequests()).isEqualTo(2);
    }
  }

  /**
   * What {@link #declareAndServeFromZero} leaves: the function's URL and how many requests it sent.
   */
  record FromZero(URI url, int sent) {}

  /**
   * Declares the function (a Deployment at 0 replicas), starts {@code chain} and serves one request
   * from zero: the function then has exactly one pod. Its answers are added to {@code answers}.
   */
  static FromZero declareAndServeFromZero(
      ChainFixture f,
      SliceStage chain,
      Activator activator,
      HttpClient http,
      List<ClosedLoopLoad.Answer> answers)
      throws Exception {
    f.apps
        .createNamespacedDeployment(
            f.namespace,
            Workloads.function(
                f.namespace,
                ChainFixture.FUNCTION,
                0,
                8080,
                PlainChainIT.functionAnnotations(),
                true))
        .execute();
    chain.start();
    await().atMost(Duration.ofSeconds(60)).until(chain::hasSynced);
    URI url =
        URI.create(
            "http://127.0.0.1:"
                + activator.address().getPort()
                + "/fn/"
                + f.namespace
                + "/"
                + ChainFixture.FUNCTION);
    f.awaitExactly(0, Duration.ofSeconds(60));
    ClosedLoopLoad single = ClosedLoopLoad.start(http, url, "single", 1);
    await().atMost(Duration.ofSeconds(60)).until(() -> single.ok() >= 1);
    f.awaitExactly(1, Duration.ofSeconds(60));
    answers.addAll(single.stop());
    return new FromZero(url, single.sent());
  }

  /**
   * The outcome of a burst during which {@code victim} was killed at {@code killedAt} and ready
   * again at {@code restartedAt}: every request got exactly one answer, a 200 (the activator: the
   * requests it held when killed got a 503 or lost their connection, all sent after its restart a
   * 200), and no pod beyond max-scale was ever persisted.
   */
  static void assertAnsweredAcrossTheKill(
      String victim,
      List<ClosedLoopLoad.Answer> all,
      int sent,
      long killedAt,
      long restartedAt,
      ChainFixture f) {
    if (victim.equals("activator")) {
      assertThat(all.stream().filter(a -> !a.ok()))
          .allSatisfy(
              a -> {
                assertThat(a.answeredNanos()).as(a.toString()).isBetween(killedAt, restartedAt);
                assertThat(a.status()).as(a.toString()).isIn(503, -1);
              });
      assertThat(all.stream().filter(a -> a.sentNanos() > restartedAt))
          .isNotEmpty()
          .allMatch(ClosedLoopLoad.Answer::ok);
    } else {
      assertThat(all).allSatisfy(a -> assertThat(a.ok()).as(a.toString()).isTrue());
    }
    assertThat(all.stream().map(ClosedLoopLoad.Answer::body).distinct().count())
        .isEqualTo(all.size());
    assertThat(all.size()).isEqualTo(sent);
    assertThat(f.podsEverSeen())
        .as("pods ever persisted")
        .hasSizeLessThanOrEqualTo(PlainChainIT.MAX_SCALE);
  }

  private static HttpResponse<String> post(HttpClient http, Activator activator, String path)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + activator.address().getPort() + path))
            .timeout(Duration.ofSeconds(30))
            .POST(HttpRequest.BodyPublishers.ofString("x"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
