package io.kubedirect.runtime.internal.codec;

/**
 * Input that cannot be decoded: bad JSON, a template whose JSON does not match its hash, an unknown
 * or mismatched kind, or a field of an impossible size. The receiver answers {@code
 * Error(MALFORMED)}.
 */
public final class MalformedObjectException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates the exception with a message. */
  public MalformedObjectException(String message) {
    super(message);
  }

  /** Creates the exception with a message and a cause. */
  public MalformedObjectException(String message, Throwable cause) {
    super(message, cause);
  }
}
