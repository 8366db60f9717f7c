package io.kubedirect.testing.junit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the annotated test class a running local control plane: parameters of type {@link
 * io.kubedirect.testing.controlplane.LocalControlPlane} or {@link
 * io.kubernetes.client.openapi.ApiClient} (the read-timeout-0 client) are injected into
 * constructors, lifecycle methods and test methods. One instance per distinct configuration is
 * started per JVM and shared by every class that asks for that configuration; it stops when the
 * JUnit run ends.
 *
 * <pre>{@code
 * @LocalKubernetes(controllerManager = true, scheduler = true)
 * class DeploymentIT {
 *   @Test void scales(ApiClient client) { ... }
 * }
 * }</pre>
 *
 * <p>Tests that change the control plane itself (for example {@code restartApiServer()}) should
 * create their own instance with {@code LocalControlPlane.builder()} instead of sharing this one.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(LocalKubernetesExtension.class)
public @interface LocalKubernetes {
  /**
   * Also run kube-controller-manager.
   *
   * @return whether to run it
   */
  boolean controllerManager() default false;

  /**
   * Also run kube-scheduler.
   *
   * @return whether to run it
   */
  boolean scheduler() default false;
}
