package io.kubedirect.transport.netty;

import com.google.protobuf.InvalidProtocolBufferException;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * Parses one frame into an {@link Envelope}; an undecodable frame fails with {@link
 * ErrorCode#MALFORMED}.
 */
@Sharable
final class EnvelopeDecoder extends MessageToMessageDecoder<ByteBuf> {

  static final EnvelopeDecoder INSTANCE = new EnvelopeDecoder();

  private EnvelopeDecoder() {
    super(ByteBuf.class);
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
    int length = frame.readableBytes();
    try {
      Envelope envelope = Envelope.parser().parseFrom(frame.nioBuffer());
      out.add(new InboundFrame(envelope, length + FrameDecoder.PREFIX_BYTES));
    } catch (InvalidProtocolBufferException e) {
      throw new FrameException(
          ErrorCode.MALFORMED, "undecodable frame of " + length + " bytes: " + e.getMessage(), e);
    }
  }
}
