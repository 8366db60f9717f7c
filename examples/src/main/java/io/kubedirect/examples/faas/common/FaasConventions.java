package io.kubedirect.examples.faas.common;

/**
 * Labels and names that tie the three example stages together (and keep them away from the real
 * KCM).
 */
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
   * Label that declares a function and names it: on the function's Deployment (and Service), on its
   * pod template, and so on its ReplicaSets and pods. Together with the namespace its value is the
   * key of the function: the activator's path {@code /fn/<namespace>/<function>}, the autoscaler's
   * revision key.
   */
  public static final String FUNCTION_LABEL = "faas.kubedirect.io/function";

  /**
   * Label the deployment stage puts on each ReplicaSet it creates, and on the ReplicaSet's selector
   * and pod template: the hash of the Deployment's pod template (the stock controller's {@code
   * pod-template-hash}).
   */
  public static final String POD_TEMPLATE_HASH_LABEL = "pod-template-hash";

  /**
   * Annotation with a ReplicaSet's revision number among its Deployment's ReplicaSets (as the stock
   * controller).
   */
  public static final String REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

  /**
   * Largest number of pods one ReplicaSet sync creates or deletes (the real controller's
   * burstReplicas).
   */
  public static final int BURST_REPLICAS = 500;

  private FaasConventions() {}
}
