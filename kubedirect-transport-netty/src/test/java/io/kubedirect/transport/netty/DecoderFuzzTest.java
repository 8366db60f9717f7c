package io.kubedirect.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.protocol.v1.Heartbeat;
import io.kubedirect.protocol.v1.Template;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Feeds many mutated valid frames through the real server pipeline (in an EmbeddedChannel). For
 * every seed the connection either stays open having delivered only valid link-level messages, or
 * closes with exactly one typed Error and one counted failure; nothing escapes the pipeline.
 *
 * <p>{@code -Dkubedirect.fuzz.seeds=N} sets the number of seeds (default 2000; the soak profile
 * runs more), {@code -Dkubedirect.fuzz.seed=S} replays one seed.
 */
class DecoderFuzzTest {

  private static final Set<ErrorCode> ALLOWED =
      EnumSet.of(ErrorCode.MALFORMED, ErrorCode.TOO_LARGE, ErrorCode.OVERLOADED);
  private static final int MAX_FRAME = 64 * 1024;

  @Test
  void mutatedFramesNeverEscapeTheProtocol() {
    String replay = System.getProperty("kubedirect.fuzz.seed");
    if (replay != null && !replay.isBlank()) {
      System.out.printf("DecoderFuzzTest: replaying seed %s%n", replay);
      runSeed(Long.parseLong(replay.trim()));
      return;
    }
    int seeds = Integer.getInteger("kubedirect.fuzz.seeds", 2000);
    long base = Long.getLong("kubedirect.fuzz.base", 0x5EED_0000L);
    System.out.printf("DecoderFuzzTest: %d seeds from %d%n", seeds, base);
    int closed = 0;
    for (int i = 0; i < seeds; i++) {
      closed += runSeed(base + i) ? 1 : 0;
    }
    // Sanity: the mutations are neither all harmless nor all fatal.
    assertThat(closed)
        .as("seeds that ended in a typed error")
        .isBetween(seeds / 20, seeds - seeds / 20);
  }

  /** Runs one seed; returns whether the connection was closed. */
  private static boolean runSeed(long seed) {
    try {
      return runSeedUnchecked(seed);
    } catch (AssertionError | RuntimeException e) {
      System.err.println(
          "DecoderFuzzTest failed for seed "
              + seed
              + "; replay with -Dkubedirect.fuzz.seed="
              + seed);
      throw new AssertionError(
          "seed " + seed + " (replay: -Dkubedirect.fuzz.seed=" + seed + "): " + e.getMessage(), e);
    }
  }

  private static boolean runSeedUnchecked(long seed) {
    Random random = new Random(seed);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LinkMetrics metrics = new LinkMetrics(registry, "scheduler");
    LinkSettings settings = new LinkSettings("scheduler", MAX_FRAME, 8, 64, 60_000, null, null);
    RecordingHandler handler = RecordingHandler.acking();
    EmbeddedChannel ch =
        new EmbeddedChannel(LinkChannelInitializer.server(settings, metrics, handler, c -> {}));
    try {
      ch.writeInbound(frame(RawPeer.hello("replicaset", "scheduler", 1, 1000).toByteArray()));
      ch.runPendingTasks();
      List<Envelope> out = PipelineProbe.drainOutbound(ch);
      assertThat(out).singleElement().matches(Envelope::hasHelloAck);

      byte[] stream = mutatedStream(random);
      int pos = 0;
      while (pos < stream.length && ch.isOpen()) {
        int chunk = 1 + random.nextInt(Math.min(stream.length - pos, 1 + random.nextInt(4096)));
        ch.writeInbound(Unpooled.wrappedBuffer(stream, pos, chunk));
        ch.runPendingTasks();
        pos += chunk;
      }
      ch.checkException();
      out.addAll(PipelineProbe.drainOutbound(ch));
      // Local failures are what this pipeline detected; a remote failure is a mutated frame that
      // happens to be
      // a well-formed Error(seq=0), i.e. the peer closing the link: valid protocol, not a decoder
      // escape.
      double failures =
          ALLOWED.stream().mapToDouble(c -> PipelineProbe.localErrors(registry, c.name())).sum();
      double localFailures = PipelineProbe.localErrors(registry, null);
      double remoteCloses =
          registry.find(LinkMetrics.ERRORS).tag("origin", "remote").counters().stream()
              .mapToDouble(c -> c.count())
              .sum();
      assertThat(localFailures - failures).as("no local failure outside " + ALLOWED).isZero();
      for (Envelope e : handler.messages) {
        assertThat(io.kubedirect.transport.LinkRules.isLinkLevel(e.getBodyCase()))
            .as("delivered " + e.getBodyCase())
            .isTrue();
      }
      long batches = handler.messages.stream().filter(Envelope::hasObjectBatch).count();
      long acks = out.stream().filter(Envelope::hasAck).count();
      if (!ch.isOpen() && remoteCloses > 0) {
        assertThat(localFailures).as("a link closed by the peer has no local failure").isZero();
        assertThat(remoteCloses).as("one remote close").isEqualTo(1.0);
        assertThat(handler.closed)
            .singleElement()
            .satisfies(c -> assertThat(c.cause()).isNotNull());
        assertThat(out).as("nothing answers a peer's closing Error").noneMatch(Envelope::hasError);
        return true;
      }
      if (!ch.isOpen()) {
        Envelope last = out.get(out.size() - 1);
        assertThat(last.hasError()).as("last frame before close is an Error: " + out).isTrue();
        assertThat(last.getError().getCode()).isIn(ALLOWED);
        assertThat(failures).as("exactly one counted failure").isEqualTo(1.0);
        assertThat(handler.closed)
            .singleElement()
            .satisfies(c -> assertThat(c.cause().code()).isEqualTo(last.getError().getCode()));
        assertThat(acks).isLessThanOrEqualTo(batches);
        return true;
      }
      assertThat(failures).isZero();
      assertThat(acks).as("every delivered batch was acked").isEqualTo(batches);
      return false;
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static ByteBuf frame(byte[] body) {
    return Unpooled.wrappedBuffer(ByteBuffer.allocate(4).putInt(body.length).array(), body);
  }

  /** A few valid frames, then mutated copies of valid frames. */
  private static byte[] mutatedStream(Random random) {
    ByteArrayOutputStream s = new ByteArrayOutputStream();
    int frames = 1 + random.nextInt(6);
    for (int i = 0; i < frames; i++) {
      byte[] body = validBody(random, i + 1);
      byte[] framed = ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
      if (random.nextInt(3) > 0) {
        framed = mutate(random, framed);
      }
      s.writeBytes(framed);
    }
    return s.toByteArray();
  }

  private static byte[] validBody(Random random, long seq) {
    Envelope e =
        switch (random.nextInt(5)) {
          case 0 -> Fixtures.batch(seq, random.nextInt(1000), 1 + random.nextInt(20));
          case 1 ->
              Envelope.newBuilder()
                  .setSeq(seq)
                  .setEpoch(3)
                  .setHandshakeRequest(
                      HandshakeRequest.newBuilder()
                          .setSource("replicaset")
                          .setDestination("scheduler"))
                  .build();
          case 2 ->
              Envelope.newBuilder()
                  .setHeartbeat(Heartbeat.newBuilder().setSentNanos(random.nextLong()))
                  .build();
          case 3 ->
              Envelope.newBuilder()
                  .setSeq(seq)
                  .setObjectBatch(
                      io.kubedirect.protocol.v1.ObjectBatch.newBuilder()
                          .setKind("/v1/Pod")
                          .addTemplates(
                              Template.newBuilder()
                                  .setHash(random.nextLong())
                                  .setKind("/v1/Pod")
                                  .setJson(
                                      ByteString.copyFromUtf8("{\"kind\":\"Pod\",\"spec\":{}}")))
                          .addChanges(Fixtures.pod(random.nextInt(100))))
                  .build();
          default ->
              Envelope.newBuilder()
                  .setAck(io.kubedirect.protocol.v1.Ack.newBuilder().setSeq(seq))
                  .build();
        };
    return e.toByteArray();
  }

  private static byte[] mutate(Random random, byte[] framed) {
    byte[] b = framed.clone();
    switch (random.nextInt(7)) {
      case 0 -> { // flip bits in the body
        for (int i = 0, n = 1 + random.nextInt(4); i < n && b.length > 4; i++) {
          b[4 + random.nextInt(b.length - 4)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case 1 -> { // random bytes in the body
        for (int i = 0, n = 1 + random.nextInt(8); i < n && b.length > 4; i++) {
          b[4 + random.nextInt(b.length - 4)] = (byte) random.nextInt(256);
        }
      }
      case 2 -> { // corrupt the length prefix
        b[random.nextInt(4)] = (byte) random.nextInt(256);
      }
      case 3 -> { // drop a byte (the stream desynchronises)
        if (b.length > 5) {
          int at = random.nextInt(b.length);
          byte[] c = new byte[b.length - 1];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + 1, c, at, b.length - at - 1);
          b = c;
        }
      }
      case 4 -> { // insert an unknown varint field (number 99..1998, a two-byte tag) at the start
        // of the body
        int tag = (99 + random.nextInt(1900)) << 3;
        byte[] field = {(byte) ((tag & 0x7F) | 0x80), (byte) (tag >>> 7), 1};
        ByteBuffer n = ByteBuffer.allocate(b.length + field.length);
        n.putInt(b.length - 4 + field.length).put(field).put(b, 4, b.length - 4);
        b = n.array();
      }
      case 5 -> { // the length says more than follows: a truncated frame at end of stream
        b =
            java.util.Arrays.copyOf(
                b, Math.max(4, b.length - 1 - random.nextInt(Math.max(1, b.length - 4))));
      }
      default -> { // replace the body by random bytes of the same length
        for (int i = 4; i < b.length; i++) {
          b[i] = (byte) random.nextInt(256);
        }
      }
    }
    return b;
  }
}
