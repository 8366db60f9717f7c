package io.kubedirect.examples.faas.direct;

import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.DirectSandboxSource;
import io.kubedirect.examples.faas.common.CompositeStage;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.sandbox.SandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubedirect.runtime.KubeDirect;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The whole retrofitted narrow waist serving requests, in one JVM, every hop over a loopback direct link
 * ({@link DirectLinks#chainOnLoopback}): {@link Activator} (stats to the autoscaler in-process; readiness from the
 * sandbox managers as their subscriber, {@link DirectSandboxSource}) -> {@link AutoscalerController} (desired
 * scale of the Deployment) -> {@link DeploymentController} (tail of Deployments; desired replicas of ReplicaSets)
 * -> {@link ReplicaSetController} (tail of ReplicaSets; pods) -> {@link SchedulerController} (pods with a node)
 * -> {@link SandboxManager}s (tail of pods; sandboxes on the caller's {@link SandboxRuntime}). Started from the tail
 * up to the activator, stopped in the reverse order; each stage can be stopped and started alone.
 */
public final class DirectChain implements SliceStage {

  private final DirectLinks links;
  private final DirectSlice slice;
  private final DeploymentController deployment;
  private final AutoscalerController autoscaler;
  private final Activator activator;
  private final CompositeStage stages;

  /**
   * A chain wired by {@code links} (with the deployment, replicaset and activator addresses:
   * {@link DirectLinks#chainOnLoopback}), its sandbox managers starting sandboxes within {@code maxStartDelay} plus
   * their cold start on {@code sandboxes} (the caller owns and closes it), an autoscaler with {@code config} and an
   * activator built by {@code activator} (port, queue, ...).
   */
  public DirectChain(ApiClient apiClient, DirectLinks links, Duration maxStartDelay, SandboxRuntime sandboxes,
      AutoscalerConfig config, UnaryOperator<Activator.Builder> activator) {
    Objects.requireNonNull(activator, "activator");
    this.links = Objects.requireNonNull(links, "links");
    this.slice = new DirectSlice(apiClient, links, maxStartDelay, sandboxes);
    this.deployment = new DeploymentController(apiClient, links);
    this.autoscaler = new AutoscalerController(apiClient, links, config);
    DirectSandboxSource source = new DirectSandboxSource(() -> KubeDirect.builder().apiClient(apiClient)
        .transport(links.transport(DirectLinks.ACTIVATOR)).listen(links.listenAddress(DirectLinks.ACTIVATOR))
        .meterRegistry(links.meterRegistry()), apiClient);
    this.activator = activator.apply(Activator.builder(source).name("activator-direct")).statSink(autoscaler).build();
    List<SliceStage> order = new ArrayList<>();
    order.add(slice);
    order.add(deployment);
    order.add(autoscaler);
    order.add(this.activator);
    this.stages = new CompositeStage(order);
  }

  /** A chain on fresh loopback links over {@code nodes} with {@code sandboxManagers} sandbox managers. */
  public DirectChain(ApiClient apiClient, List<String> nodes, int sandboxManagers, Duration maxStartDelay,
      SandboxRuntime sandboxes, AutoscalerConfig config) {
    this(apiClient, DirectLinks.chainOnLoopback(nodes, sandboxManagers), maxStartDelay, sandboxes, config,
        UnaryOperator.identity());
  }

  /** The link configuration. */
  public DirectLinks links() {
    return links;
  }

  /** The replicaset -> scheduler -> sandbox-manager part. */
  public DirectSlice slice() {
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
