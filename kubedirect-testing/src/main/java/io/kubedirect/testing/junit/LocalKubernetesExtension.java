package io.kubedirect.testing.junit;

import io.kubedirect.testing.controlplane.ControlPlaneSpec;
import io.kubedirect.testing.controlplane.LocalControlPlane;
import io.kubernetes.client.openapi.ApiClient;
import java.util.Optional;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JUnit 5 extension behind {@link LocalKubernetes}: resolves {@link LocalControlPlane} and {@link
 * ApiClient} parameters from a control plane shared per configuration in the root {@link
 * ExtensionContext.Store}. The stored value is {@link AutoCloseable}, so JUnit stops it when the
 * root context closes (end of the run); a JVM shutdown hook covers abnormal exits. Without the
 * annotation (plain {@code @ExtendWith}) it uses etcd + kube-apiserver only. The injected instance
 * refuses {@code close()}, since other classes share it.
 */
public final class LocalKubernetesExtension implements ParameterResolver {
  private static final Logger LOG = LoggerFactory.getLogger(LocalKubernetesExtension.class);
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LocalKubernetesExtension.class);

  /** Creates the extension (JUnit instantiates it). */
  public LocalKubernetesExtension() {}

  @Override
  public boolean supportsParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    Class<?> type = parameterContext.getParameter().getType();
    return type == LocalControlPlane.class || type == ApiClient.class;
  }

  @Override
  public Object resolveParameter(
      ParameterContext parameterContext, ExtensionContext extensionContext) {
    LocalControlPlane cp = controlPlane(extensionContext);
    Class<?> type = parameterContext.getParameter().getType();
    if (type == LocalControlPlane.class) {
      return cp;
    }
    if (type == ApiClient.class) {
      return cp.apiClient();
    }
    throw new ParameterResolutionException("unsupported parameter type " + type.getName());
  }

  /**
   * Returns the shared, running control plane for the configuration of the current test class.
   *
   * @param context any extension context of the test
   * @return the running control plane
   */
  public static LocalControlPlane controlPlane(ExtensionContext context) {
    LocalKubernetes config = findConfig(context).orElse(null);
    ControlPlaneSpec spec =
        LocalControlPlane.builder()
            .controllerManager(config != null && config.controllerManager())
            .scheduler(config != null && config.scheduler())
            .buildSpec();
    ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
    Shared shared = store.getOrComputeIfAbsent(spec, s -> Shared.start(spec), Shared.class);
    return shared.controlPlane;
  }

  private static Optional<LocalKubernetes> findConfig(ExtensionContext context) {
    for (Optional<Class<?>> c = context.getTestClass();
        c.isPresent();
        c = Optional.ofNullable(c.get().getEnclosingClass())) {
      Optional<LocalKubernetes> a =
          AnnotationSupport.findAnnotation(c.get(), LocalKubernetes.class);
      if (a.isPresent()) {
        return a;
      }
    }
    return Optional.empty();
  }

  /** Store value: closes the control plane when JUnit closes the root store. */
  static final class Shared implements AutoCloseable {
    final SharedControlPlane controlPlane;

    private Shared(SharedControlPlane controlPlane) {
      this.controlPlane = controlPlane;
    }

    static Shared start(ControlPlaneSpec spec) {
      LocalControlPlane cp = LocalControlPlane.create(spec).start();
      LOG.info(
          "shared local control plane for {} started: {}",
          spec.components(),
          cp.startupTimings().summary());
      return new Shared(new SharedControlPlane(cp));
    }

    @Override
    public void close() {
      controlPlane.closeShared();
    }
  }
}
