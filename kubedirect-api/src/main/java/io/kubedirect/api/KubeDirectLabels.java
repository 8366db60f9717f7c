package io.kubedirect.api;

/** Label keys that kubedirect reads on Kubernetes objects (it writes none). */
public final class KubeDirectLabels {

  /** Common prefix of every key. */
  public static final String PREFIX = "kubedirect.io/";

  /**
   * Label: opt-in per object. Value {@code "true"} marks an object as a narrow-waist object that
   * may travel over direct links. Only consulted when the runtime runs in opt-in mode ({@code
   * KubeDirect.Builder.requireManagedLabel(true)}); by default every object of a kind a stage emits
   * goes direct unless labelled {@link #FALLBACK}.
   */
  public static final String MANAGED = PREFIX + "managed";

  /**
   * Label: value {@code "true"} forces this object through the API Server (never over a direct
   * link), e.g. for debugging or for objects that other controllers must see immediately.
   */
  public static final String FALLBACK = PREFIX + "fallback";

  /** The value of boolean labels. */
  public static final String TRUE = "true";

  private KubeDirectLabels() {}

  /** Whether {@code value} (a label value, may be null) means true. */
  public static boolean isTrue(String value) {
    return TRUE.equalsIgnoreCase(value);
  }
}
