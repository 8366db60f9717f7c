package io.kubedirect.runtime.internal.model;

import io.kubedirect.api.KindStrategies;
import io.kubedirect.api.KindStrategy;
import io.kubedirect.runtime.internal.codec.Kinds;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.models.V1Pod;

/**
 * The strategy a kind has when none is registered: pods {@link KindStrategies#pods()}, others
 * generic.
 */
public final class DefaultKindStrategies {

  private static final String POD = Kinds.of(V1Pod.class);

  private DefaultKindStrategies() {}

  /**
   * The default strategy of a protocol kind string ({@code "/v1/Pod"} → {@link
   * KindStrategies#pods()}).
   */
  @SuppressWarnings("unchecked")
  public static KindStrategy<KubernetesObject> forKind(String kind) {
    return (KindStrategy<KubernetesObject>)
        (KindStrategy<?>) (POD.equals(kind) ? KindStrategies.pods() : KindStrategies.generic());
  }
}
