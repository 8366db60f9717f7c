package io.kubedirect.examples.knative.autoscaler.scaling;

/**
 * One decision (Knative's {@code ScaleResult}).
 *
 * @param desiredPodCount the pods the revision should have
 * @param excessBurstCapacity spare capacity beyond the target burst capacity; negative keeps the
 *     activator in path
 * @param scaleValid false if the decider could not decide (no data, no pod count); then nothing
 *     changes
 */
public record ScaleResult(int desiredPodCount, int excessBurstCapacity, boolean scaleValid) {

  /** The result of a tick that could not decide. */
  public static final ScaleResult INVALID = new ScaleResult(0, 0, false);
}
