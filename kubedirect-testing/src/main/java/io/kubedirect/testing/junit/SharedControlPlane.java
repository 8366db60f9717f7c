package io.kubedirect.testing.junit;

import io.kubedirect.testing.controlplane.Component;
import io.kubedirect.testing.controlplane.ControlPlaneException;
import io.kubedirect.testing.controlplane.ControlPlaneSpec;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubedirect.testing.controlplane.StartupTimings;
import io.kubernetes.client.openapi.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;

/**
 * The view of a shared control plane handed to tests: everything delegates, except {@link
 * #close()}, which is refused because other test classes use the same instance (the extension
 * closes it at the end of the run).
 */
final class SharedControlPlane implements LocalControlPlane {
  private final LocalControlPlane delegate;

  SharedControlPlane(LocalControlPlane delegate) {
    this.delegate = delegate;
  }

  void closeShared() {
    delegate.close();
  }

  @Override
  public LocalControlPlane start() {
    delegate.start();
    return this;
  }

  @Override
  public boolean isRunning() {
    return delegate.isRunning();
  }

  @Override
  public ControlPlaneSpec spec() {
    return delegate.spec();
  }

  @Override
  public String apiServerUrl() {
    return delegate.apiServerUrl();
  }

  @Override
  public ApiClient apiClient() {
    return delegate.apiClient();
  }

  @Override
  public ApiClient newApiClient(Duration readTimeout) {
    return delegate.newApiClient(readTimeout);
  }

  @Override
  public Path kubeconfig() {
    return delegate.kubeconfig();
  }

  @Override
  public String bearerToken() {
    return delegate.bearerToken();
  }

  @Override
  public Path workDir() {
    return delegate.workDir();
  }

  @Override
  public Path logFile(Component component) {
    return delegate.logFile(component);
  }

  @Override
  public OptionalLong pid(Component component) {
    return delegate.pid(component);
  }

  @Override
  public StartupTimings startupTimings() {
    return delegate.startupTimings();
  }

  @Override
  public Duration restartApiServer() {
    return delegate.restartApiServer();
  }

  /** Refused: the instance is shared; build your own with {@code LocalControlPlane.builder()}. */
  @Override
  public void close() {
    throw new ControlPlaneException(
        "this control plane is shared by @LocalKubernetes test classes and is "
            + "stopped at the end of the run; build a private one with LocalControlPlane.builder() instead");
  }

  @Override
  public String toString() {
    return "shared " + delegate;
  }
}
