package io.kubedirect.it.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.direct.DirectLinks;
import io.kubedirect.examples.faas.direct.DirectSlice;
import io.kubedirect.examples.faas.plain.PlainSlice;
import io.kubedirect.testing.junit.LocalKubernetes;
import io.kubernetes.client.openapi.ApiClient;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A clean stop prints no ERROR and no stack trace: the example slices (client-java informers and
 * controllers, kubedirect links) are run, used for a small burst, stopped, and everything written
 * to stderr (where slf4j-simple logs) from the stop until the informers' threads have ended is
 * checked.
 */
@LocalKubernetes
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class CleanShutdownIT {

  /** Threads of client-java informers (controller loop, reflector, resync). */
  private static final List<String> INFORMER_THREADS =
      List.of("informer-controller-", "controller-reflector-", "controller-resync-");

  @Test
  void stoppingTheDirectSliceLogsNoError(ApiClient api) throws Exception {
    runBurstThenStop(
        api, f -> new DirectSlice(api, DirectLinks.onLoopback(f.nodes, 2), Duration.ofMillis(20)));
  }

  @Test
  void stoppingThePlainSliceLogsNoError(ApiClient api) throws Exception {
    runBurstThenStop(api, f -> new PlainSlice(api, f.nodes, 2, Duration.ofMillis(20)));
  }

  private static void runBurstThenStop(ApiClient api, Function<SliceFixture, SliceStage> slices)
      throws Exception {
    try (SliceFixture f = new SliceFixture(api, 2)) {
      Set<Thread> notTheSlices = informerThreads(); // the fixture's own informer
      SliceStage slice = slices.apply(f);
      String stopOutput;
      try {
        slice.start();
        await().atMost(Duration.ofSeconds(60)).until(slice::hasSynced);
        String uid = f.createReplicaSet(3).getMetadata().getUid();
        f.awaitExactly(3, uid, Duration.ofSeconds(120));
      } finally {
        stopOutput =
            captureStderr(
                () -> {
                  slice.stop();
                  // Threads the stop interrupted may log after stop() returns: wait until they have
                  // ended.
                  await()
                      .atMost(Duration.ofSeconds(60))
                      .until(() -> informerThreads().stream().allMatch(notTheSlices::contains));
                });
      }
      assertThat(stopOutput)
          .as("the capture sees slf4j-simple's output")
          .contains("controller stopped");
      assertThat(
              stopOutput
                  .lines()
                  .filter(l -> l.contains(" ERROR ") || l.startsWith("\tat "))
                  .collect(Collectors.toList()))
          .as("ERROR lines and stack traces printed by a clean stop; all of it:%n%s", stopOutput)
          .isEmpty();
    }
  }

  private static Set<Thread> informerThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> INFORMER_THREADS.stream().anyMatch(p -> t.getName().startsWith(p)))
        .collect(Collectors.toSet());
  }

  /**
   * Runs {@code body} with stderr copied into a buffer (slf4j-simple looks System.err up per
   * message).
   */
  private static String captureStderr(Runnable body) {
    PrintStream original = System.err;
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    OutputStream tee =
        new OutputStream() {
          @Override
          public synchronized void write(int b) {
            original.write(b);
            copy.write(b);
          }

          @Override
          public synchronized void write(byte[] b, int off, int len) {
            original.write(b, off, len);
            copy.write(b, off, len);
          }
        };
    System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    try {
      body.run();
    } finally {
      System.setErr(original);
    }
    return copy.toString(StandardCharsets.UTF_8);
  }
}
