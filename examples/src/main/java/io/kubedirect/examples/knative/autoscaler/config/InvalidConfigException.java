package io.kubedirect.examples.knative.autoscaler.config;

/**
 * A configuration value is malformed or out of range; the message names the key, the value and the
 * allowed range.
 */
public final class InvalidConfigException extends Exception {

  private static final long serialVersionUID = 1L;
  private final String key;

  /** An error about {@code key}. */
  public InvalidConfigException(String key, String message) {
    super(message);
    this.key = key;
  }

  /** The offending ConfigMap key or annotation. */
  public String key() {
    return key;
  }
}
