package io.kubedirect.transport.netty.bench;

import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.Ack;
import io.kubedirect.protocol.v1.ChangeType;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.protocol.v1.Template;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.netty.NettyTransport;
import io.kubedirect.transport.netty.TlsConfig;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Loopback benchmarks of the Netty transport (a bench main, not a test): pod throughput with
 * batched ObjectBatches, one-message round-trip latency, and wire bytes per pod for a burst of
 * 1,000 pods. See docs/benchmarks.md for how to run it.
 *
 * <p>Arguments: {@code [throughput|latency|bytes|all] [plain|tls|both] [seconds per iteration]
 * [iterations]}.
 */
public final class TransportBench {

  private static final int BATCH_PODS = 1000;
  private static final long TEMPLATE_HASH_SEED = 42;

  private TransportBench() {}

  public static void main(String[] args) throws Exception {
    String mode = args.length > 0 ? args[0] : "all";
    String security = args.length > 1 ? args[1] : "both";
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int iterations = args.length > 3 ? Integer.parseInt(args[3]) : 3;
    System.out.printf(
        Locale.ROOT,
        "# kubedirect transport bench: mode=%s security=%s %d x %d s, %d cores, %s%n",
        mode,
        security,
        iterations,
        seconds,
        Runtime.getRuntime().availableProcessors(),
        System.getProperty("java.vm.version"));
    for (boolean tls :
        security.equals("both")
            ? new boolean[] {false, true}
            : new boolean[] {security.equals("tls")}) {
      if (mode.equals("all") || mode.equals("throughput")) {
        throughput(tls, seconds, iterations);
      }
      if (mode.equals("all") || mode.equals("latency")) {
        latency(tls, seconds, iterations);
      }
      if ((mode.equals("all") || mode.equals("bytes")) && !tls) {
        bytesPerPod();
      }
    }
  }

  // ------------------------------------------------------------------------------------------------------

  private static final class Pki {
    static final X509Bundle CA;

    static {
      try {
        CA =
            new CertificateBuilder()
                .subject("CN=bench-ca")
                .setIsCertificateAuthority(true)
                .notBefore(Instant.now().minus(Duration.ofHours(1)))
                .buildSelfSigned();
      } catch (Exception e) {
        throw new ExceptionInInitializerError(e);
      }
    }

    static TlsConfig forStage(String stage) throws Exception {
      X509Bundle cert =
          new CertificateBuilder()
              .subject("CN=" + stage)
              .notBefore(Instant.now().minus(Duration.ofHours(1)))
              .addSanUriName("urn:kubedirect:stage:" + stage)
              .addExtendedKeyUsageServerAuth()
              .addExtendedKeyUsageClientAuth()
              .buildIssuedBy(CA);
      return TlsConfig.builder()
          .keyAndChain(cert.getKeyPair().getPrivate(), cert.getCertificatePath())
          .trust(CA.getCertificate())
          .build();
    }
  }

  private static NettyTransport transport(String stage, boolean tls, MeterRegistry registry)
      throws Exception {
    NettyTransport.Builder b =
        NettyTransport.builder().stageName(stage).meterRegistry(registry).eventLoopThreads(1);
    return (tls ? b.tls(Pki.forStage(stage)) : b.plaintextOnLoopback()).build();
  }

  static ObjectChange pod(int i) {
    ByteBuffer uid =
        ByteBuffer.allocate(16)
            .putLong(0x5f3a_9e01_7c2d_4b88L ^ i)
            .putLong(i * 0x9E3779B97F4A7C15L);
    return ObjectChange.newBuilder()
        .setType(ChangeType.ADDED)
        .setName(String.format(Locale.ROOT, "fn-hello-%05d-7c9d8b6f5-x7k2p", i % 100_000))
        .setTemplateHash(templateHash())
        .setVersion(1 + i % 5)
        .setNodeName("node-" + (i % 64))
        .setCreationTimestampMillis(1_764_160_000_000L + i)
        .setUid(ByteString.copyFrom(uid.array()))
        .build();
  }

  static Envelope batch(long seq, int first, int pods, Template template) {
    ObjectBatch.Builder b = ObjectBatch.newBuilder().setKind("/v1/Pod");
    if (template != null) {
      b.addTemplates(template);
    }
    for (int i = 0; i < pods; i++) {
      b.addChanges(pod(first + i));
    }
    return Envelope.newBuilder().setSeq(seq).setEpoch(7).setObjectBatch(b).build();
  }

  /**
   * A realistic ~17 KB pod JSON as the API Server would serve it for a Knative-style function pod.
   */
  static byte[] templateJson() {
    StringBuilder env = new StringBuilder();
    for (int i = 0; env.length() < 16_000; i++) {
      env.append(
          String.format(
              Locale.ROOT,
              "{\"name\":\"FUNCTION_CONFIG_VARIABLE_%03d\",\"value\":\"value-%03d-0123456789abcdef0123456789\"},",
              i,
              i));
    }
    env.setLength(env.length() - 1);
    String json =
        "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"generateName\":\"fn-hello-00042-7c9d8b6f5-\","
            + "\"namespace\":\"default\",\"labels\":{\"app\":\"fn-hello\",\"serving.knative.dev/service\":\"fn-hello\","
            + "\"serving.knative.dev/revision\":\"fn-hello-00042\",\"pod-template-hash\":\"7c9d8b6f5\"},"
            + "\"ownerReferences\":[{\"apiVersion\":\"apps/v1\",\"kind\":\"ReplicaSet\",\"name\":\"fn-hello-00042-7c9d8b6f5\","
            + "\"uid\":\"6a0f1a7e-3c5e-4a43-9a1e-2f0c8d1b7e55\",\"controller\":true,\"blockOwnerDeletion\":true}]},"
            + "\"spec\":{\"containers\":[{\"name\":\"user-container\",\"image\":\"registry.local/fn-hello@sha256:"
            + "4f9b1c0d3e2a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a4b3c\",\"ports\":[{\"containerPort\":8080,"
            + "\"name\":\"user-port\",\"protocol\":\"TCP\"}],\"env\":["
            + env
            + "],\"resources\":{\"limits\":{\"cpu\":\"1\","
            + "\"memory\":\"512Mi\"},\"requests\":{\"cpu\":\"100m\",\"memory\":\"128Mi\"}},\"readinessProbe\":{\"httpGet\":"
            + "{\"path\":\"/healthz\",\"port\":8012},\"periodSeconds\":1}}],\"enableServiceLinks\":false,"
            + "\"terminationGracePeriodSeconds\":30}}";
    return json.getBytes(StandardCharsets.UTF_8);
  }

  static long templateHash() {
    return TEMPLATE_HASH_SEED * 0x9E3779B97F4A7C15L;
  }

  static Template template() throws Exception {
    byte[] json = templateJson();
    byte[] sha = MessageDigest.getInstance("SHA-256").digest(json);
    return Template.newBuilder()
        .setHash(ByteBuffer.wrap(sha).getLong())
        .setKind("/v1/Pod")
        .setJson(ByteString.copyFrom(json))
        .build();
  }

  /** Counts received pods and acks every batch. */
  private static final class CountingServer implements LinkHandler {
    final AtomicLong pods = new AtomicLong();

    @Override
    public void onMessage(Link link, Envelope message) {
      if (message.hasObjectBatch()) {
        pods.addAndGet(message.getObjectBatch().getChangesCount());
        link.send(Envelope.newBuilder().setAck(Ack.newBuilder().setSeq(message.getSeq())).build());
      }
    }
  }

  /** A client handler that wakes a parked sender thread on onWritable. */
  private static final class WakingClient implements LinkHandler {
    volatile Thread sender;
    final CountDownLatch open = new CountDownLatch(1);
    volatile Link link;

    @Override
    public void onOpen(Link l) {
      link = l;
      open.countDown();
    }

    @Override
    public void onMessage(Link l, Envelope message) {}

    @Override
    public void onWritable(Link l) {
      Thread t = sender;
      if (t != null) {
        LockSupport.unpark(t);
      }
    }
  }

  static void throughput(boolean tls, int seconds, int iterations) throws Exception {
    CountingServer server = new CountingServer();
    WakingClient client = new WakingClient();
    try (NettyTransport st = transport("scheduler", tls, new SimpleMeterRegistry());
        NettyTransport ct = transport("replicaset", tls, new SimpleMeterRegistry())) {
      LinkServer ls = st.listen(PeerAddress.loopback(0), server);
      ClientLink cl = ct.connect(ls.localAddress(), "scheduler", client);
      client.open.await(10, TimeUnit.SECONDS);
      Link link = client.link;
      Envelope batch = batch(1, 0, BATCH_PODS, null);
      System.out.printf(
          Locale.ROOT,
          "throughput %s: batch of %d pods = %d bytes%n",
          tls ? "tls" : "plain",
          BATCH_PODS,
          batch.getSerializedSize());
      volatileStop = false;
      Thread sender =
          new Thread(
              () -> {
                while (!volatileStop) {
                  if (link.isWritable()) {
                    link.send(batch);
                  } else {
                    LockSupport.parkNanos(1_000_000);
                  }
                }
              },
              "bench-sender");
      client.sender = sender;
      sender.start();
      measure("warmup", server.pods, seconds);
      double[] rates = new double[iterations];
      for (int i = 0; i < iterations; i++) {
        rates[i] = measure("iteration " + (i + 1), server.pods, seconds);
      }
      volatileStop = true;
      sender.join();
      System.out.printf(
          Locale.ROOT,
          "RESULT throughput %s: mean %.0f pods/s (min %.0f, max %.0f)%n",
          tls ? "tls" : "plain",
          Arrays.stream(rates).average().orElse(0),
          Arrays.stream(rates).min().orElse(0),
          Arrays.stream(rates).max().orElse(0));
      cl.close();
    }
  }

  private static volatile boolean volatileStop;

  private static double measure(String label, AtomicLong counter, int seconds)
      throws InterruptedException {
    long start = System.nanoTime();
    long before = counter.get();
    Thread.sleep(seconds * 1000L); // bench timing window, not a test wait
    long after = counter.get();
    double rate = (after - before) / ((System.nanoTime() - start) / 1e9);
    System.out.printf(Locale.ROOT, "  %-12s %,.0f pods/s%n", label, rate);
    return rate;
  }

  /** Ping-pong on the client's event loop: send a one-pod batch, wait for its Ack, repeat. */
  static void latency(boolean tls, int seconds, int iterations) throws Exception {
    CountingServer server = new CountingServer();
    Envelope one = batch(1, 42, 1, null);
    final class PingPong implements LinkHandler {
      final long[] samples = new long[4_000_000];
      int count;
      long sentAt;
      volatile boolean recording;
      volatile boolean stop;
      final CountDownLatch open = new CountDownLatch(1);
      final CountDownLatch stopped = new CountDownLatch(1);

      @Override
      public void onOpen(Link link) {
        open.countDown();
        sentAt = System.nanoTime();
        link.send(one);
      }

      @Override
      public void onMessage(Link link, Envelope message) {
        long now = System.nanoTime();
        if (recording && count < samples.length) {
          samples[count++] = now - sentAt;
        }
        if (stop) {
          stopped.countDown();
          return;
        }
        sentAt = System.nanoTime();
        link.send(one);
      }
    }
    PingPong client = new PingPong();
    try (NettyTransport st = transport("scheduler", tls, new SimpleMeterRegistry());
        NettyTransport ct = transport("replicaset", tls, new SimpleMeterRegistry())) {
      LinkServer ls = st.listen(PeerAddress.loopback(0), server);
      ClientLink cl = ct.connect(ls.localAddress(), "scheduler", client);
      client.open.await(10, TimeUnit.SECONDS);
      Thread.sleep(seconds * 1000L); // warmup
      for (int i = 0; i < iterations; i++) {
        client.count = 0; // racy reset is fine: only the event loop writes afterwards
        client.recording = true;
        Thread.sleep(seconds * 1000L);
        client.recording = false;
        long[] s = Arrays.copyOf(client.samples, client.count);
        Arrays.sort(s);
        System.out.printf(
            Locale.ROOT,
            "  iteration %d: %,d round trips, p50 %.1f us, p99 %.1f us, p99.9 %.1f us%n",
            i + 1,
            s.length,
            pct(s, 0.50),
            pct(s, 0.99),
            pct(s, 0.999));
        if (i == iterations - 1) {
          System.out.printf(
              Locale.ROOT,
              "RESULT latency %s: p50 %.1f us, p99 %.1f us (last iteration, %,d samples)%n",
              tls ? "tls" : "plain",
              pct(s, 0.50),
              pct(s, 0.99),
              s.length);
        }
      }
      client.stop = true;
      client.stopped.await(5, TimeUnit.SECONDS);
      cl.close();
    }
  }

  private static double pct(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))] / 1_000.0;
  }

  /**
   * A burst of 1,000 pods on a fresh link: the template (sent once) plus the changes, as frame
   * bytes counted by the transport's own {@code kubedirect.link.bytes} meter on the sending side.
   */
  static void bytesPerPod() throws Exception {
    Template template = template();
    System.out.printf(
        Locale.ROOT,
        "bytes per pod: template JSON %,d bytes, one pod change %d bytes%n",
        template.getJson().size(),
        pod(42).getSerializedSize());
    for (int perBatch : new int[] {1000, 100, 10, 1}) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      CountingServer server = new CountingServer();
      WakingClient client = new WakingClient();
      try (NettyTransport st = transport("scheduler", false, new SimpleMeterRegistry());
          NettyTransport ct = transport("replicaset", false, registry)) {
        LinkServer ls = st.listen(PeerAddress.loopback(0), server);
        ClientLink cl = ct.connect(ls.localAddress(), "scheduler", client);
        client.open.await(10, TimeUnit.SECONDS);
        double before = bytesOut(registry);
        long seq = 1;
        long batchFrameBytes = 0;
        for (int first = 0; first < 1000; first += perBatch) {
          Envelope e = batch(seq++, first, perBatch, first == 0 ? template : null);
          batchFrameBytes += 4 + e.getSerializedSize();
          while (!client.link.isWritable()) {
            Thread.onSpinWait();
          }
          client.link.send(e);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (server.pods.get() < 1000 && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        double sent = bytesOut(registry) - before; // includes Credit frames returned for the Acks
        System.out.printf(
            Locale.ROOT,
            "RESULT bytes %4d pods/batch: %,.0f bytes on the wire for 1000 pods = %.1f bytes/pod "
                + "(batches only: %.1f; template share %.1f)%n",
            perBatch,
            sent,
            sent / 1000,
            batchFrameBytes / 1000.0,
            template.getSerializedSize() / 1000.0);
        cl.close();
      }
    }
  }

  private static double bytesOut(MeterRegistry registry) {
    return registry
        .find("kubedirect.link.bytes")
        .tag("direction", "out")
        .tag("peer", "scheduler")
        .counters()
        .stream()
        .mapToDouble(Counter::count)
        .sum();
  }
}
