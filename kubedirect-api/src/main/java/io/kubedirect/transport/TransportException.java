package io.kubedirect.transport;

/**
 * A transport could not be set up (bind failure, bad TLS material, unavailable native transport).
 */
public class TransportException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public TransportException(String message, Throwable cause) {
    super(message, cause);
  }

  public TransportException(String message) {
    super(message);
  }
}
