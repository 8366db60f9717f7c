package io.kubedirect.testing.controlplane;

/**
 * Base type of every error the local control plane raises (start, stop, restart, configuration).
 */
public class ControlPlaneException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates an exception with a message.
   *
   * @param message what went wrong
   */
  public ControlPlaneException(String message) {
    super(message);
  }

  /**
   * Creates an exception with a message and a cause.
   *
   * @param message what went wrong
   * @param cause the underlying error
   */
  public ControlPlaneException(String message, Throwable cause) {
    super(message, cause);
  }
}
