package io.kubedirect.api;

import io.kubernetes.client.common.KubernetesObject;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares, on a controller class, the stage it plays in the narrow waist. Equivalent to building a
 * {@link StageDeclaration}; read with {@link StageDeclaration#fromAnnotated(Class)}.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface DirectStage {

  /** The stage name (a DNS label), e.g. {@code "scheduler"}. */
  String name();

  /** Stages that send objects to this one over direct links. */
  String[] upstream() default {};

  /** Stages this one sends objects to over direct links. */
  String[] downstream() default {};

  /** Kinds received from upstream stages. */
  Class<? extends KubernetesObject>[] receives() default {};

  /** Kinds emitted to downstream stages. */
  Class<? extends KubernetesObject>[] emits() default {};

  /**
   * Stages that observe this one's objects of the published kinds (see {@link
   * StageDeclaration#subscribers()}).
   */
  String[] subscribers() default {};

  /** Kinds sent to subscribers; default: every kind received or emitted. */
  Class<? extends KubernetesObject>[] publishes() default {};
}
