package io.kubedirect.examples.faas.activator;

import io.kubedirect.api.StageDeclaration;
import io.kubedirect.examples.knative.autoscaler.RevisionKey;
import io.kubedirect.runtime.KubeDirect;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.models.V1Pod;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The direct {@link SandboxSource}: the activator is a kubedirect stage ({@value #STAGE}, upstream
 * {@code sandbox-manager}, receives pods) that subscribes to the sandbox managers' pods. Its pod
 * informer ({@code kd.informerFactory()}) shows the union of what the sandbox managers sent (a
 * sandbox is routable as soon as its manager reports it Ready, in parallel with the manager's
 * write-back) and the API Server's pods. When a sandbox manager's link stays down past the
 * activator's fallback deadline, the runtime withdraws what that manager sent (docs/design.md
 * §14.2): its sandboxes stay routable only if the API Server shows them Ready.
 */
public final class DirectSandboxSource implements SandboxSource {

  /** The activator's stage name. */
  public static final String STAGE = "activator";

  private final Supplier<KubeDirect.Builder> runtime;
  private final ApiClient apiClient;

  private KubeDirect kd;
  private ApiServerSandboxSource union;

  /**
   * A source whose runtime {@code runtime} configures (API client, transport, listen address,
   * meters; the stage declaration is added here), reading the API copies through {@code apiClient}.
   */
  public DirectSandboxSource(Supplier<KubeDirect.Builder> runtime, ApiClient apiClient) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.apiClient = Objects.requireNonNull(apiClient, "apiClient");
  }

  /** The activator's stage: a subscriber of the sandbox managers' pods. */
  public static StageDeclaration declaration() {
    return StageDeclaration.builder(STAGE)
        .upstream("sandbox-manager")
        .receives(V1Pod.class)
        .build();
  }

  @Override
  public synchronized void start(Listener listener) {
    if (kd != null) {
      throw new IllegalStateException("already started");
    }
    KubeDirect k = runtime.get().stage(declaration()).build();
    kd = k;
    union =
        ApiServerSandboxSource.builder(apiClient)
            .informerFactory(k::informerFactory, k::start)
            .build();
    union.start(listener);
  }

  @Override
  public void stop() {
    KubeDirect k;
    ApiServerSandboxSource u;
    synchronized (this) {
      k = kd;
      u = union;
      kd = null;
      union = null;
    }
    if (k == null) {
      return;
    }
    u.stop();
    k.close();
  }

  @Override
  public synchronized boolean hasSynced() {
    return union != null && union.hasSynced();
  }

  @Override
  public boolean knows(RevisionKey function) {
    ApiServerSandboxSource u;
    synchronized (this) {
      u = union;
    }
    return u == null || u.knows(function);
  }
}
