package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Splits the byte stream into frames: a 4-byte big-endian unsigned length, then that many bytes. A
 * length over the current maximum fails with {@link ErrorCode#TOO_LARGE} as soon as the prefix is
 * read, before any of the body is buffered; afterwards every byte is discarded. A stream that ends
 * inside a frame fails with {@link ErrorCode#MALFORMED}.
 */
final class FrameDecoder extends ByteToMessageDecoder {

  static final int PREFIX_BYTES = 4;

  private volatile int maxFrameBytes;
  private boolean failed;

  FrameDecoder(int maxFrameBytes) {
    this.maxFrameBytes = maxFrameBytes;
  }

  /** Changes the cap (raised once the version exchange is done). */
  void maxFrameBytes(int max) {
    this.maxFrameBytes = max;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    while (in.readableBytes() >= PREFIX_BYTES) {
      long length = in.getUnsignedInt(in.readerIndex());
      if (length > maxFrameBytes) {
        failed = true;
        in.skipBytes(in.readableBytes());
        throw new FrameException(
            ErrorCode.TOO_LARGE,
            "frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes);
      }
      if (in.readableBytes() < PREFIX_BYTES + length) {
        return;
      }
      in.skipBytes(PREFIX_BYTES);
      out.add(in.readRetainedSlice((int) length));
    }
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    decode(ctx, in, out);
    if (!failed && in.isReadable()) {
      int partial = in.readableBytes();
      in.skipBytes(partial);
      failed = true;
      // Fired rather than thrown: a throw would reach the next handlers only after channelInactive.
      ctx.fireExceptionCaught(
          new FrameException(
              ErrorCode.MALFORMED, "stream ended inside a frame (" + partial + " bytes pending)"));
    }
  }
}
