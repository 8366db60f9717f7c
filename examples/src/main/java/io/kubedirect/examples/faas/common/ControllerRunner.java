package io.kubedirect.examples.faas.common;

import io.kubernetes.client.extended.controller.Controller;
import io.kubernetes.client.extended.controller.ControllerManager;
import io.kubernetes.client.extended.controller.builder.ControllerBuilder;
import io.kubernetes.client.informer.SharedInformerFactory;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * Runs one client-java {@link ControllerManager} (informers + controller workers) on a daemon
 * thread and shuts it down again. {@link ControllerManager#run()} blocks, which is why a main-less
 * stage needs this.
 */
public final class ControllerRunner {

  private final ControllerManager manager;
  private final Thread thread;

  private ControllerRunner(ControllerManager manager, String name) {
    this.manager = manager;
    this.thread = new Thread(manager, name);
    this.thread.setDaemon(true);
  }

  /**
   * Starts the informers of {@code factory} and {@code controller} on a daemon thread named {@code
   * name}.
   */
  public static ControllerRunner start(
      SharedInformerFactory factory, Controller controller, String name) {
    Objects.requireNonNull(factory, "factory");
    Objects.requireNonNull(controller, "controller");
    ControllerManager manager =
        ControllerBuilder.controllerManagerBuilder(factory).addController(controller).build();
    ControllerRunner runner = new ControllerRunner(manager, name);
    runner.thread.start();
    return runner;
  }

  /**
   * Whether the stage acts on a complete view: {@code informersSynced}. The same surface as the
   * retrofitted stages' {@code LeaderRunner}, where a standby counts as synced.
   */
  public boolean synced(BooleanSupplier informersSynced) {
    return informersSynced.getAsBoolean();
  }

  /** Always true: a plain stage has a single instance, which runs its controller. */
  public boolean isLeader() {
    return true;
  }

  /**
   * Stops the controller workers and the informers, and waits briefly for the manager thread to
   * exit.
   */
  public void stop() {
    manager.shutdown();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
