package io.kubedirect.runtime;

import io.kubedirect.api.DirectWriter;
import io.kubedirect.api.WriteException;
import io.kubedirect.runtime.internal.engine.StageEngine;
import io.kubedirect.runtime.internal.model.WriteOp;
import io.kubernetes.client.common.KubernetesObject;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/** The {@link DirectWriter}: a typed view of {@link StageEngine#write}. */
final class DefaultDirectWriter<T extends KubernetesObject> implements DirectWriter<T> {

  private final Class<T> type;
  private final String kind;
  private final StageEngine engine;
  private final Supplier<RuntimeException> refusal;

  /** Creates a writer for objects of {@code type} (protocol kind {@code kind}). */
  DefaultDirectWriter(Class<T> type, String kind, StageEngine engine) {
    this(type, kind, engine, () -> null);
  }

  /**
   * Creates a writer whose writes fail at once with what {@code refusal} returns when it returns
   * non-null (e.g. while this replica of a stage does not lead).
   */
  DefaultDirectWriter(
      Class<T> type, String kind, StageEngine engine, Supplier<RuntimeException> refusal) {
    this.type = Objects.requireNonNull(type, "type");
    this.kind = Objects.requireNonNull(kind, "kind");
    this.engine = Objects.requireNonNull(engine, "engine");
    this.refusal = Objects.requireNonNull(refusal, "refusal");
  }

  @Override
  public CompletableFuture<T> create(T object) {
    return write(WriteOp.CREATE, object);
  }

  @Override
  public CompletableFuture<T> update(T object) {
    return write(WriteOp.UPDATE, object);
  }

  @Override
  public CompletableFuture<T> updateStatus(T object) {
    return write(WriteOp.UPDATE_STATUS, object);
  }

  @Override
  public CompletableFuture<T> delete(T object) {
    return write(WriteOp.DELETE, object);
  }

  private CompletableFuture<T> write(WriteOp op, T object) {
    Objects.requireNonNull(object, "object");
    CompletableFuture<KubernetesObject> written;
    try {
      RuntimeException refused = refusal.get();
      written =
          refused != null
              ? CompletableFuture.failedFuture(refused)
              : engine.write(kind, op, object);
    } catch (RuntimeException e) {
      written = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    written.whenComplete(
        (o, ex) -> {
          if (ex == null) {
            out.complete(type.isInstance(o) ? type.cast(o) : object);
          } else {
            out.completeExceptionally(WriteException.of(ex));
          }
        });
    return out;
  }
}
