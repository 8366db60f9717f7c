package io.kubedirect.transport.netty.bench;

import com.google.protobuf.CodedOutputStream;
import io.kubedirect.protocol.v1.Envelope;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * CPU cost of the wire format alone (no sockets): protobuf-encoding an ObjectBatch of pod changes
 * into a pooled direct buffer the way the transport's frame encoder does, and parsing it back.
 * Explains the throughput ceiling of one event-loop thread. Run with JMH, see docs/benchmarks.md.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 1, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(1)
public class FrameCodecBenchmark {

  @Param({"1", "1000"})
  public int pods;

  private Envelope batch;
  private ByteBuf encoded;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    batch = TransportBench.batch(1, 0, pods, null);
    encoded = PooledByteBufAllocator.DEFAULT.directBuffer(batch.getSerializedSize());
    encodeInto(batch, encoded);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    encoded.release();
  }

  private static void encodeInto(Envelope e, ByteBuf out) throws IOException {
    int size = e.getSerializedSize();
    CodedOutputStream cos = CodedOutputStream.newInstance(out.nioBuffer(out.writerIndex(), size));
    e.writeTo(cos);
    cos.flush();
    out.writerIndex(out.writerIndex() + size);
  }

  /** Encode into a fresh pooled direct buffer (as FrameEncoder does), then release it. */
  @Benchmark
  public int encode() throws IOException {
    ByteBuf out = PooledByteBufAllocator.DEFAULT.directBuffer(4 + batch.getSerializedSize());
    try {
      out.writeInt(batch.getSerializedSize());
      encodeInto(batch, out);
      return out.readableBytes();
    } finally {
      out.release();
    }
  }

  /** Parse one frame body from a direct buffer (as EnvelopeDecoder does). */
  @Benchmark
  public Envelope decode() throws IOException {
    return Envelope.parser().parseFrom(encoded.nioBuffer());
  }
}
