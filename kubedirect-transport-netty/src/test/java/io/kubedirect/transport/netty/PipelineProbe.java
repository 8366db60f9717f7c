package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Envelope;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/** What the fuzz tests read back from a server pipeline on an {@link EmbeddedChannel}. */
final class PipelineProbe {

  private PipelineProbe() {}

  /** Locally detected failures, of one code or (code null) of all codes. */
  static double localErrors(SimpleMeterRegistry registry, String code) {
    var search = registry.find(LinkMetrics.ERRORS).tag("origin", "local");
    if (code != null) {
      search = search.tag("code", code);
    }
    return search.counters().stream().mapToDouble(Counter::count).sum();
  }

  /** Every frame the server wrote, decoded; an undecodable one fails the test. */
  static List<Envelope> drainOutbound(EmbeddedChannel ch) {
    List<Envelope> out = new ArrayList<>();
    for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
      try {
        while (b.readableBytes() >= 4) {
          int len = b.readInt();
          byte[] body = new byte[len];
          b.readBytes(body);
          out.add(Envelope.parseFrom(body));
        }
      } catch (Exception e) {
        throw new AssertionError("server wrote an undecodable frame", e);
      } finally {
        b.release();
      }
    }
    return out;
  }
}
