package io.kubedirect.examples.bench;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Which chain a benchmark run drives. */
public enum BenchVariant {
  /** The example controllers on plain client-java ({@code faas.plain.PlainChain}). */
  PLAIN("plain", "plain client-java chain"),
  /** The same controllers retrofitted with kubedirect ({@code faas.direct.DirectChain}). */
  DIRECT("direct", "kubedirect chain"),
  /**
   * Knative on stock Kubernetes ({@code faas.plain.K8sPlusChain}): stock kube-controller-manager
   * and kube-scheduler at their stock client rate limits (the paper's baseline).
   */
  K8S("k8s", "K8s+ (stock KCM + scheduler)"),
  /** {@link #K8S} with the client rate limits of the controller manager and scheduler lifted. */
  K8S_TUNED("k8s-tuned", "K8s+ rate limits lifted");

  private final String flag;
  private final String description;

  BenchVariant(String flag, String description) {
    this.flag = flag;
    this.description = description;
  }

  /** The name on the command line and in the results. */
  public String flag() {
    return flag;
  }

  /** A human-readable name for tables and charts. */
  public String description() {
    return description;
  }

  /** True for the variants that run the stock kube-controller-manager and kube-scheduler. */
  public boolean stockControllers() {
    return this == K8S || this == K8S_TUNED;
  }

  /**
   * The variant named {@code flag}.
   *
   * @throws IllegalArgumentException naming the accepted values
   */
  public static BenchVariant parse(String flag) {
    for (BenchVariant v : values()) {
      if (v.flag.equals(flag.trim().toLowerCase(Locale.ROOT))) {
        return v;
      }
    }
    throw new IllegalArgumentException(
        "unknown variant '"
            + flag
            + "' (one of "
            + Arrays.stream(values()).map(BenchVariant::flag).collect(Collectors.joining(", "))
            + ")");
  }
}
