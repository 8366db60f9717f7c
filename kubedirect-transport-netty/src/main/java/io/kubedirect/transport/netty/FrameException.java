package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.ErrorCode;
import io.netty.handler.codec.DecoderException;

/** A frame could not be decoded; carries the protocol error code to answer with. */
final class FrameException extends DecoderException {

  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  FrameException(ErrorCode code, String message) {
    super(message);
    this.code = code;
  }

  FrameException(ErrorCode code, String message, Throwable cause) {
    super(message, cause);
    this.code = code;
  }

  ErrorCode code() {
    return code;
  }
}
