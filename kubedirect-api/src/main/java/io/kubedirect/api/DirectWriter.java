package io.kubedirect.api;

import io.kubernetes.client.common.KubernetesObject;
import java.util.concurrent.CompletableFuture;

/**
 * Writes narrow-waist outputs of one kind. Replaces the controller's API Server calls for that
 * kind.
 *
 * <p>Routing, per object:
 *
 * <ul>
 *   <li>a kind this stage emits to a downstream stage, the object not labelled {@code
 *       kubedirect.io/fallback=true}, and the link not down past its fallback deadline: sent over
 *       the direct link; the future completes when the downstream acknowledged it;
 *   <li>a kind this stage receives but does not emit (the tail): written back to the API Server
 *       (ephemeral objects are created once, AlreadyExists counting as success, then their status
 *       is written); the future completes when persisted;
 *   <li>otherwise: a plain API Server write.
 * </ul>
 *
 * Failures complete the future exceptionally with a {@link WriteException}, always (its {@link
 * WriteException#status()} says whether a retry can help: {@code RETRYABLE_FAILURE} for an
 * overloaded or broken link or a transient API error; its cause, if any, carries the transport's
 * typed {@code LinkException}). Never blocks the caller.
 *
 * @param <T> the model class
 */
public interface DirectWriter<T extends KubernetesObject> {

  /** Creates {@code object}. */
  CompletableFuture<T> create(T object);

  /**
   * Updates {@code object} (spec and metadata). For an object of an emitted kind read at
   * resourceVersion R (e.g. a Deployment with new desired replicas), this sends a desired-state
   * update based on R: the kind's tail shows it at once and writes it back (lazily, coalesced); the
   * future completes when the downstream acknowledged it.
   */
  CompletableFuture<T> update(T object);

  /** Updates the status of {@code object}. */
  CompletableFuture<T> updateStatus(T object);

  /** Deletes {@code object}. */
  CompletableFuture<T> delete(T object);
}
