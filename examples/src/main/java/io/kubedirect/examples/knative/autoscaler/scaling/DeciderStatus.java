package io.kubedirect.examples.knative.autoscaler.scaling;

/**
 * The latest valid decision for a revision (Knative's {@code DeciderStatus}).
 *
 * @param desiredScale the desired pod count; -1 until the first valid decision
 * @param excessBurstCapacity the latest excess burst capacity (negative: keep the activator in the
 *     path)
 */
public record DeciderStatus(int desiredScale, int excessBurstCapacity) {

  /**
   * The status before the first decision: desired -1 and an excess burst capacity computed from the
   * initial scale ({@code int32(initialScale * total - tbc)}, a truncation, as in Knative's {@code
   * createScaler}).
   */
  public static DeciderStatus initial(DeciderSpec spec) {
    double tbc = spec.targetBurstCapacity();
    if (tbc == -1 || tbc == 0) {
      return new DeciderStatus(-1, (int) tbc);
    }
    return new DeciderStatus(-1, (int) ((double) spec.initialScale() * spec.totalValue() - tbc));
  }
}
