package io.kubedirect.examples.faas.activator;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import java.util.Set;

/**
 * Tells the activator which sandboxes of each function are ready (Knative's revision backends
 * manager).
 *
 * <p>Variants: {@link ApiServerSandboxSource} learns readiness from an API Server watch of the
 * pods, the way plain Kubernetes and Knative do; {@link EndpointSliceSandboxSource} from
 * EndpointSlices (K8s+). {@link DirectSandboxSource} receives readiness from the sandbox managers
 * over direct links as a <em>subscriber</em> (in parallel with their write-back to the API Server)
 * and withdraws a manager's sandboxes when its link dies and the API Server does not show them
 * Ready.
 */
public interface SandboxSource {

  /** Hears the ready sandboxes of a function whenever they change. */
  @FunctionalInterface
  interface Listener {
    /**
     * {@code ready} is the complete set of ready sandboxes of {@code function} now (empty: none).
     * Called from the source's thread; keep it short.
     */
    void sandboxesChanged(RevisionKey function, Set<SandboxEndpoint> ready);
  }

  /**
   * Starts watching and reporting to {@code listener} (every function with ready sandboxes is
   * reported).
   */
  void start(Listener listener);

  /** Stops watching; forgets everything. */
  void stop();

  /** True once the source has reported a complete view. */
  boolean hasSynced();

  /**
   * False if {@code function} certainly does not exist (the activator answers 404). The default
   * knows every function; requests for a function that never gets sandboxes then wait until their
   * timeout.
   */
  default boolean knows(RevisionKey function) {
    return true;
  }
}
