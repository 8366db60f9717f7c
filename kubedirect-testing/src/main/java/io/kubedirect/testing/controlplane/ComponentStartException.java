package io.kubedirect.testing.controlplane;

import java.nio.file.Path;

/**
 * A control-plane component exited or did not become ready in time. The message carries the tail of
 * the component's log; the full log stays at {@link #logFile()}.
 */
public final class ComponentStartException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  private final Component component;
  private final transient Path logFile;
  private final String logTail;

  /**
   * Creates the exception.
   *
   * @param component the component that failed
   * @param reason why it is considered failed (exit code, timeout, ...)
   * @param logFile the component's log file
   * @param logTail the last lines of that log
   * @param cause the underlying error, may be null
   */
  public ComponentStartException(
      Component component, String reason, Path logFile, String logTail, Throwable cause) {
    super(
        component.binaryName()
            + " failed to start: "
            + reason
            + "\n--- last lines of "
            + logFile
            + " ---\n"
            + logTail
            + "\n--- end of log ---",
        cause);
    this.component = component;
    this.logFile = logFile;
    this.logTail = logTail;
  }

  /**
   * Returns the component that failed.
   *
   * @return the component
   */
  public Component component() {
    return component;
  }

  /**
   * Returns the component's log file (kept on disk after a failed start).
   *
   * @return the log path
   */
  public Path logFile() {
    return logFile;
  }

  /**
   * Returns the last lines of the component's log.
   *
   * @return the log tail, possibly empty
   */
  public String logTail() {
    return logTail;
  }
}
