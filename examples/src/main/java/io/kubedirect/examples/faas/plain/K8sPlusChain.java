package io.kubedirect.examples.faas.plain;

import io.kubedirect.examples.faas.activator.Activator;
import io.kubedirect.examples.faas.activator.EndpointSliceSandboxSource;
import io.kubedirect.examples.faas.common.CompositeStage;
import io.kubedirect.examples.faas.common.SliceStage;
import io.kubedirect.examples.faas.sandbox.HttpSandboxRuntime;
import io.kubedirect.examples.knative.autoscaler.config.AutoscalerConfig;
import io.kubernetes.client.openapi.ApiClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The K8s+ variant ("Knative on Kubernetes"): the stock kube-controller-manager (deployment, replicaset,
 * endpointslice, garbagecollector controllers) and kube-scheduler, which run as processes next to the API Server
 * and are not started here, plus the Java parts: the {@link AutoscalerController} (patches the Deployment's
 * scale), the {@link SandboxManager}s (the kubelets) and the {@link Activator}, which learns ready sandboxes from
 * the EndpointSlices of the function's Service ({@link EndpointSliceSandboxSource}). The sandboxes must listen on
 * their pods' addresses ({@link HttpSandboxRuntime.Builder#listenOnPodAddress}), since that is what the
 * EndpointSlices publish.
 */
public final class K8sPlusChain implements SliceStage {

  private final List<SandboxManager> sandboxManagers;
  private final AutoscalerController autoscaler;
  private final Activator activator;
  private final CompositeStage stages;

  /**
   * The Java stages of K8s+ over {@code nodes}: {@code sandboxManagers} sandbox managers running the sandboxes on
   * {@code sandboxes} (the caller owns and closes it), an autoscaler with {@code config}, and an activator built
   * by {@code activator}.
   *
   * @throws IllegalArgumentException if there are no nodes or {@code sandboxManagers} is not in 1..nodes
   */
  public K8sPlusChain(ApiClient apiClient, List<String> nodes, int sandboxManagers, Duration maxStartDelay,
      HttpSandboxRuntime sandboxes, AutoscalerConfig config, UnaryOperator<Activator.Builder> activator) {
    Objects.requireNonNull(activator, "activator");
    this.sandboxManagers = PlainSlice.sandboxManagers(apiClient, nodes, sandboxManagers, maxStartDelay, sandboxes);
    this.autoscaler = new AutoscalerController(apiClient, config);
    this.activator = activator.apply(Activator.builder(new EndpointSliceSandboxSource(apiClient))
        .name("activator-k8s")).statSink(autoscaler).build();
    List<SliceStage> order = new ArrayList<>(this.sandboxManagers);
    order.add(autoscaler);
    order.add(this.activator);
    this.stages = new CompositeStage(order);
  }

  /** The sandbox managers (kubelet stand-ins). */
  public List<SandboxManager> sandboxManagers() {
    return sandboxManagers;
  }

  /** The autoscaler stage. */
  public AutoscalerController autoscaler() {
    return autoscaler;
  }

  /** The activator. */
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
