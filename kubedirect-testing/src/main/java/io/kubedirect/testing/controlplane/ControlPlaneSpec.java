package io.kubedirect.testing.controlplane;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The validated settings of a {@link LocalControlPlane}; produced by {@link
 * LocalControlPlane.Builder#build()}. Equal specs describe interchangeable control planes (the
 * JUnit extension shares one instance per spec).
 *
 * @param binaries where the executables are
 * @param workDirParent directory under which a fresh temporary work directory is created
 * @param controllerManager whether kube-controller-manager runs
 * @param scheduler whether kube-scheduler runs
 * @param controllers the kube-controller-manager {@code --controllers} list
 * @param controllerManagerQps kube-controller-manager {@code --kube-api-qps}
 * @param controllerManagerBurst kube-controller-manager {@code --kube-api-burst}
 * @param schedulerQps kube-scheduler {@code --kube-api-qps}
 * @param schedulerBurst kube-scheduler {@code --kube-api-burst}
 * @param startTimeout how long each component may take to become ready
 * @param stopTimeout how long a component may take to exit after SIGTERM before it is killed
 * @param keepWorkDir keep the work directory (data, logs) after a clean stop
 * @param extraArgs additional flags per component, appended last (so they override defaults)
 */
public record ControlPlaneSpec(
    BinaryLocator.Location binaries,
    Path workDirParent,
    boolean controllerManager,
    boolean scheduler,
    List<String> controllers,
    float controllerManagerQps,
    int controllerManagerBurst,
    float schedulerQps,
    int schedulerBurst,
    Duration startTimeout,
    Duration stopTimeout,
    boolean keepWorkDir,
    Map<Component, List<String>> extraArgs) {

  /** Stock kube-controller-manager client QPS (the flag default). */
  public static final float DEFAULT_CONTROLLER_MANAGER_QPS = 20f;

  /** Stock kube-controller-manager client burst (the flag default). */
  public static final int DEFAULT_CONTROLLER_MANAGER_BURST = 30;

  /** Stock kube-scheduler client QPS (the flag default). */
  public static final float DEFAULT_SCHEDULER_QPS = 50f;

  /** Stock kube-scheduler client burst (the flag default). */
  public static final int DEFAULT_SCHEDULER_BURST = 100;

  /**
   * Controllers run by default: the FaaS narrow waist plus what it needs to work without kubelets.
   */
  public static final List<String> DEFAULT_CONTROLLERS =
      List.of("deployment", "replicaset", "garbagecollector", "namespace", "nodelifecycle");

  /**
   * Makes the collections immutable.
   *
   * @param binaries see the record description
   * @param workDirParent see the record description
   * @param controllerManager see the record description
   * @param scheduler see the record description
   * @param controllers see the record description
   * @param controllerManagerQps see the record description
   * @param controllerManagerBurst see the record description
   * @param schedulerQps see the record description
   * @param schedulerBurst see the record description
   * @param startTimeout see the record description
   * @param stopTimeout see the record description
   * @param keepWorkDir see the record description
   * @param extraArgs see the record description
   */
  public ControlPlaneSpec {
    controllers = List.copyOf(controllers);
    extraArgs = Map.copyOf(extraArgs);
  }

  /**
   * Returns the components this spec starts, in start order.
   *
   * @return etcd and kube-apiserver, then the optional ones
   */
  public List<Component> components() {
    if (controllerManager && scheduler) {
      return List.of(
          Component.ETCD,
          Component.KUBE_APISERVER,
          Component.KUBE_CONTROLLER_MANAGER,
          Component.KUBE_SCHEDULER);
    }
    if (controllerManager) {
      return List.of(Component.ETCD, Component.KUBE_APISERVER, Component.KUBE_CONTROLLER_MANAGER);
    }
    if (scheduler) {
      return List.of(Component.ETCD, Component.KUBE_APISERVER, Component.KUBE_SCHEDULER);
    }
    return List.of(Component.ETCD, Component.KUBE_APISERVER);
  }

  /**
   * Returns the extra flags for one component.
   *
   * @param component the component
   * @return flags, possibly empty
   */
  public List<String> extraArgs(Component component) {
    return extraArgs.getOrDefault(component, List.of());
  }
}
