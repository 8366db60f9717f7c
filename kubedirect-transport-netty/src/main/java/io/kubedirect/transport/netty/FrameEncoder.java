package io.kubedirect.transport.netty;

import com.google.protobuf.CodedOutputStream;
import io.kubedirect.protocol.v1.Envelope;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;
import java.nio.ByteBuffer;

/** Writes an {@link Envelope} as one frame: 4-byte big-endian length, then the protobuf bytes. */
@Sharable
final class FrameEncoder extends MessageToByteEncoder<Envelope> {

  static final FrameEncoder INSTANCE = new FrameEncoder();

  private FrameEncoder() {
    super(Envelope.class, true);
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, Envelope msg, boolean preferDirect) {
    return ctx.alloc().ioBuffer(FrameDecoder.PREFIX_BYTES + msg.getSerializedSize());
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, Envelope msg, ByteBuf out) throws IOException {
    int size = msg.getSerializedSize();
    out.writeInt(size);
    out.ensureWritable(size);
    int index = out.writerIndex();
    if (out.hasArray()) {
      CodedOutputStream cos =
          CodedOutputStream.newInstance(out.array(), out.arrayOffset() + index, size);
      msg.writeTo(cos);
      cos.checkNoSpaceLeft();
    } else if (out.nioBufferCount() == 1) {
      ByteBuffer target = out.nioBuffer(index, size);
      CodedOutputStream cos = CodedOutputStream.newInstance(target);
      msg.writeTo(cos);
      cos.flush();
    } else {
      out.setBytes(index, msg.toByteArray());
    }
    out.writerIndex(index + size);
  }
}
