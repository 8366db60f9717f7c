package io.kubedirect.api;

import java.util.Objects;

/** A write could not be completed; {@link #status()} says how the persisted store answered. */
public class WriteException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final WriteResult.Status status;

  /** Creates the exception. */
  public WriteException(WriteResult.Status status, String message) {
    super(status + ": " + message);
    this.status = Objects.requireNonNull(status, "status");
  }

  /** Creates the exception with its cause. */
  public WriteException(WriteResult.Status status, String message, Throwable cause) {
    super(status + ": " + message, cause);
    this.status = Objects.requireNonNull(status, "status");
  }

  /**
   * {@code failure} as a WriteException: itself, or wrapped (a link failure that a retry may
   * overcome, i.e. an overloaded, broken or fenced link, as {@code RETRYABLE_FAILURE}; anything
   * else as {@code FAILED}).
   */
  public static WriteException of(Throwable failure) {
    Throwable t = failure;
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof WriteException w) {
      return w;
    }
    WriteResult.Status status = WriteResult.Status.FAILED;
    if (t instanceof io.kubedirect.transport.LinkException l) {
      switch (l.code()) {
        case OVERLOADED, INTERNAL, EPOCH_MISMATCH -> status = WriteResult.Status.RETRYABLE_FAILURE;
        default -> {}
      }
    }
    return new WriteException(status, String.valueOf(t.getMessage()), t);
  }

  /** The last answer of the persisted store. */
  public WriteResult.Status status() {
    return status;
  }
}
