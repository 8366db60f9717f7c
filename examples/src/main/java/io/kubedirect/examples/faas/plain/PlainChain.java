package io.kubedirect.examples.faas.plain;

import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.ApiServerSandboxSource;
import io.kubedirect.examples.faas.common.CompositeStage;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.sandbox.SandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The whole plain narrow waist serving requests, in one JVM, every hop through the API Server:
 * {@link Activator} (on {@link ApiServerSandboxSource}, stats to the autoscaler) -> {@link AutoscalerController}
 * (patches the Deployment's scale) -> {@link DeploymentController} (ReplicaSet per template revision) ->
 * {@link ReplicaSetController} (pods) -> {@link SchedulerController} (bindings) -> {@link SandboxManager}s (pod
 * status, sandboxes on the caller's {@link SandboxRuntime}). Started from the tail up to the activator, stopped
 * in the reverse order.
 */
public final class PlainChain implements SliceStage {

  private final PlainSlice slice;
  private final DeploymentController deployment;
  private final AutoscalerController autoscaler;
  private final Activator activator;
  private final CompositeStage stages;

  /**
   * A chain over {@code nodes} with {@code sandboxManagers} sandbox managers (sandboxes start within
   * {@code maxStartDelay} plus their cold start) running the sandboxes on {@code sandboxes} (the caller owns and
   * closes it), an autoscaler with {@code config} and an activator built by {@code activator} (port, queue, ...).
   *
   * @throws IllegalArgumentException if there are no nodes or {@code sandboxManagers} is not in 1..nodes
   */
  public PlainChain(ApiClient apiClient, List<String> nodes, int sandboxManagers, Duration maxStartDelay,
      SandboxRuntime sandboxes, AutoscalerConfig config, UnaryOperator<Activator.Builder> activator) {
    Objects.requireNonNull(activator, "activator");
    this.slice = new PlainSlice(apiClient, nodes, sandboxManagers, maxStartDelay, sandboxes);
    this.deployment = new DeploymentController(apiClient);
    this.autoscaler = new AutoscalerController(apiClient, config);
    this.activator = activator.apply(Activator.builder(ApiServerSandboxSource.builder(apiClient).build())
        .name("activator-plain")).statSink(autoscaler).build();
    List<SliceStage> order = new ArrayList<>();
    order.add(slice);
    order.add(deployment);
    order.add(autoscaler);
    order.add(this.activator);
    this.stages = new CompositeStage(order);
  }

  /** A chain with the autoscaler settings {@code config} and a default activator on a free loopback port. */
  public PlainChain(ApiClient apiClient, List<String> nodes, int sandboxManagers, Duration maxStartDelay,
      SandboxRuntime sandboxes, AutoscalerConfig config) {
    this(apiClient, nodes, sandboxManagers, maxStartDelay, sandboxes, config, UnaryOperator.identity());
  }

  /** The replicaset -> scheduler -> sandbox-manager part. */
  public PlainSlice slice() {
    return slice;
  }

  /** The deployment stage. */
  public DeploymentController deployment() {
    return deployment;
  }

  /** The autoscaler stage. */
  public AutoscalerController autoscaler() {
    return autoscaler;
  }

  /** The activator (the chain's front door). */
  public Activator activator() {
    return activator;
  }

  @Override
  public void start() {
    stages.start();
  }

  @Override
  public void stop() {
    stages.stop();
  }

  @Override
  public boolean isRunning() {
    return stages.isRunning();
  }

  @Override
  public boolean hasSynced() {
    return stages.hasSynced();
  }
}
