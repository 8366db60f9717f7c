package io.kubedirect.api;

/**
 * Label and annotation keys that kubedirect reads or writes on Kubernetes objects.
 */
public final class KubeDirectLabels {

  /** Common prefix of every key. */
  public static final String PREFIX = "kubedirect.io/";

  /**
   * Label: opt-in per object. Value {@code "true"} marks an object as a narrow-waist object that may travel
   * over direct links. Only consulted when the runtime runs in opt-in mode
   * ({@code KubeDirect.Builder.requireManagedLabel(true)}); by default every object of a kind a stage emits
   * goes direct unless labelled {@link #FALLBACK}.
   */
  public static final String MANAGED = PREFIX + "managed";

  /**
   * Label: value {@code "true"} forces this object through the API Server (never over a direct link), e.g.
   * for debugging or for objects that other controllers must see immediately.
   */
  public static final String FALLBACK = PREFIX + "fallback";

  /**
   * Annotation written by the runtime on ephemeral objects it hands to informers: the name of the stage that
   * produced the object over a direct link. Absent on objects read from the API Server.
   */
  public static final String SOURCE_STAGE = PREFIX + "source-stage";

  /**
   * Annotation: the producer-assigned ephemeral version of the object (decimal), as carried in
   * {@code ObjectRef.version}. Lets a stage that re-emits an object keep versions monotonic.
   */
  public static final String EPHEMERAL_VERSION = PREFIX + "ephemeral-version";

  /** The value of boolean labels. */
  public static final String TRUE = "true";

  private KubeDirectLabels() {}

  /** Whether {@code value} (a label value, may be null) means true. */
  public static boolean isTrue(String value) {
    return TRUE.equalsIgnoreCase(value);
  }
}
