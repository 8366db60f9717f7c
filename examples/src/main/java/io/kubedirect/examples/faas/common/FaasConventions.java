package io.kubedirect.examples.faas.common;

/** Labels and names that tie the three example stages together (and keep them away from the real KCM). */
public final class FaasConventions {

  /** Label on ReplicaSets that the example ReplicaSet controller owns. */
  public static final String CONTROLLER_LABEL = "faas.kubedirect.io/controller";
  /** Value of {@link #CONTROLLER_LABEL} the example controller looks for. */
  public static final String CONTROLLER_VALUE = "example";
  /** Label selector string for the example's ReplicaSets. */
  public static final String CONTROLLER_SELECTOR = CONTROLLER_LABEL + "=" + CONTROLLER_VALUE;

  /** Label on Nodes that form the example pool. */
  public static final String POOL_LABEL = "faas.kubedirect.io/pool";
  /** Value of {@link #POOL_LABEL} for the example pool. */
  public static final String POOL_VALUE = "example";
  /** Label selector string for the pool's Nodes. */
  public static final String POOL_SELECTOR = POOL_LABEL + "=" + POOL_VALUE;

  /** {@code spec.schedulerName} of every pod the example ReplicaSet controller creates. */
  public static final String SCHEDULER_NAME = "kubedirect-example-scheduler";

  /**
   * Label that names the function a pod (or ReplicaSet) belongs to; together with the namespace it is the key of
   * the function: the activator's path {@code /fn/<namespace>/<function>}, the autoscaler's revision key.
   */
  public static final String FUNCTION_LABEL = "app";

  /** Largest number of pods one ReplicaSet sync creates or deletes (the real controller's burstReplicas). */
  public static final int BURST_REPLICAS = 500;

  private FaasConventions() {}
}
