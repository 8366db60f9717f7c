package io.kubedirect.runtime;

import io.kubedirect.runtime.spi.WriteResult;
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

  /** The last answer of the persisted store. */
  public WriteResult.Status status() {
    return status;
  }
}
