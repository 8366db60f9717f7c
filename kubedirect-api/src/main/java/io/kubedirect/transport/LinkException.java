package io.kubedirect.transport;

import io.kubedirect.protocol.v1.ErrorCode;
import java.util.Objects;

/** A typed link failure: the protocol {@link ErrorCode} plus a human-readable message. */
public class LinkException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final ErrorCode code;

  public LinkException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public LinkException(ErrorCode code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** Why the link failed. */
  public ErrorCode code() {
    return code;
  }
}
