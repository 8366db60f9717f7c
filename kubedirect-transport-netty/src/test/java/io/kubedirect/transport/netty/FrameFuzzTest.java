package io.kubedirect.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.transport.LinkRules;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Coverage-guided fuzzing (Jazzer) of the inbound side of a server link: length-prefixed framing
 * ({@link FrameDecoder}), envelope parsing ({@link EnvelopeDecoder}) and the protocol state machine
 * ({@link LinkProtocolHandler}), all in the real pipeline on an {@link EmbeddedChannel}.
 *
 * <p>Input layout: byte 0 is a control byte, the rest is the byte stream the peer sends. Control
 * bit 0 clear: a valid {@code Hello} is sent first (the fuzzer then works on an open link); set:
 * the fuzzer's bytes are the whole stream, Hello included. Bits 1..7: the stream is written in
 * chunks of that many bytes (0: one write). After the stream the peer closes the connection (a
 * frame still incomplete then is a truncated frame).
 *
 * <p>Oracle (as {@link DecoderFuzzTest}): nothing escapes the pipeline; the link either stays open
 * having delivered only link-level messages, every batch acked, or it closes with exactly one
 * locally counted failure of a documented code answered by a closing {@code Error(seq=0)}, or it
 * was closed by the peer's own well-formed {@code Error(seq=0)}. A failure with code INTERNAL (an
 * unexpected exception) is a finding. Every link reported open is reported closed exactly once.
 *
 * <p>Regression mode (default suite) runs the empty input and every file in {@code
 * src/test/resources/io/kubedirect/transport/netty/FrameFuzzTestInputs/serverPipeline/}; fuzzing
 * mode ({@code JAZZER_FUZZ=1}, see the module pom) mutates them. See docs/protocol.md, "Fuzzing".
 */
class FrameFuzzTest {

  /** The codes a server may close with on bad input (UNAUTHORIZED needs TLS, INTERNAL is a bug). */
  private static final Set<ErrorCode> ALLOWED =
      EnumSet.of(
          ErrorCode.MALFORMED,
          ErrorCode.TOO_LARGE,
          ErrorCode.OVERLOADED,
          ErrorCode.UNSUPPORTED_VERSION,
          ErrorCode.NOT_FOUND);

  private static final int MAX_FRAME = 64 * 1024;
  private static final byte[] HELLO =
      frame(RawPeer.hello("replicaset", "scheduler", 1, 1000).toByteArray());

  @FuzzTest(maxDuration = "30s")
  void serverPipeline(byte[] input) {
    if (input.length == 0) {
      return;
    }
    int control = input[0] & 0xFF;
    boolean handshake = (control & 1) == 0;
    int chunk = control >>> 1;

    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LinkMetrics metrics = new LinkMetrics(registry, "scheduler");
    LinkSettings settings = new LinkSettings("scheduler", MAX_FRAME, 8, 64, 60_000, null, null);
    RecordingHandler handler = RecordingHandler.acking();
    EmbeddedChannel ch =
        new EmbeddedChannel(LinkChannelInitializer.server(settings, metrics, handler, c -> {}));
    try {
      List<Envelope> out = new ArrayList<>();
      if (handshake) {
        ch.writeInbound(Unpooled.wrappedBuffer(HELLO));
        ch.runPendingTasks();
        out.addAll(PipelineProbe.drainOutbound(ch));
        assertThat(out).singleElement().matches(Envelope::hasHelloAck);
      }
      int pos = 1;
      while (pos < input.length && ch.isOpen()) {
        int n = chunk == 0 ? input.length - pos : Math.min(chunk, input.length - pos);
        ch.writeInbound(Unpooled.wrappedBuffer(input, pos, n));
        ch.runPendingTasks();
        pos += n;
      }
      ch.checkException();
      out.addAll(PipelineProbe.drainOutbound(ch));
      checkWhileConnected(ch, registry, handler, out);

      // The peer goes away: a frame still incomplete is a truncated frame (MALFORMED), anything
      // else closes
      // quietly. Either way nothing escapes and an open link is reported closed exactly once.
      boolean wasOpen = ch.isOpen();
      double before = PipelineProbe.localErrors(registry, null);
      double malformedBefore = PipelineProbe.localErrors(registry, ErrorCode.MALFORMED.name());
      ch.close();
      ch.runPendingTasks();
      ch.checkException();
      double added = PipelineProbe.localErrors(registry, null) - before;
      double addedMalformed =
          PipelineProbe.localErrors(registry, ErrorCode.MALFORMED.name()) - malformedBefore;
      assertThat(added)
          .as("failures counted at end of stream")
          .isLessThanOrEqualTo(wasOpen ? 1.0 : 0.0);
      assertThat(addedMalformed)
          .as("only a truncated frame (MALFORMED) fails at end of stream")
          .isEqualTo(added);
      assertThat(PipelineProbe.localErrors(registry, null))
          .as("at most one local failure per connection")
          .isLessThanOrEqualTo(1.0);
      assertThat(handler.closed)
          .as("every opened link is reported closed once")
          .hasSize(handler.opened.size());
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  /** The oracle of {@link DecoderFuzzTest}, with the Hello checks' codes allowed. */
  private static void checkWhileConnected(
      EmbeddedChannel ch,
      SimpleMeterRegistry registry,
      RecordingHandler handler,
      List<Envelope> out) {
    double failures =
        ALLOWED.stream().mapToDouble(c -> PipelineProbe.localErrors(registry, c.name())).sum();
    double localFailures = PipelineProbe.localErrors(registry, null);
    double remoteCloses =
        registry.find(LinkMetrics.ERRORS).tag("origin", "remote").counters().stream()
            .mapToDouble(Counter::count)
            .sum();
    assertThat(localFailures - failures)
        .as("no local failure outside " + ALLOWED + " (INTERNAL is a bug)")
        .isZero();
    for (Envelope e : handler.messages) {
      assertThat(LinkRules.isLinkLevel(e.getBodyCase()))
          .as("delivered " + e.getBodyCase())
          .isTrue();
    }
    long batches = handler.messages.stream().filter(Envelope::hasObjectBatch).count();
    long acks = out.stream().filter(Envelope::hasAck).count();
    if (!ch.isOpen() && remoteCloses > 0) {
      assertThat(localFailures).as("a link closed by the peer has no local failure").isZero();
      assertThat(remoteCloses).as("one remote close").isEqualTo(1.0);
      assertThat(out).as("nothing answers a peer's closing Error").noneMatch(Envelope::hasError);
      return;
    }
    if (!ch.isOpen()) {
      assertThat(out).as("a closed link answered with an Error").isNotEmpty();
      Envelope last = out.get(out.size() - 1);
      assertThat(last.hasError()).as("last frame before close is an Error: " + out).isTrue();
      assertThat(last.getError().getSeq()).isZero();
      assertThat(last.getError().getCode()).isIn(ALLOWED);
      assertThat(failures).as("exactly one counted failure").isEqualTo(1.0);
      if (!handler.opened.isEmpty()) {
        assertThat(handler.closed)
            .singleElement()
            .satisfies(c -> assertThat(c.cause().code()).isEqualTo(last.getError().getCode()));
      }
      assertThat(acks).isLessThanOrEqualTo(batches);
      return;
    }
    assertThat(failures).isZero();
    assertThat(acks).as("every delivered batch was acked").isEqualTo(batches);
  }

  static byte[] frame(byte[] body) {
    return ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array();
  }
}
