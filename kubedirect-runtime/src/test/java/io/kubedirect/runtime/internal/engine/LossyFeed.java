package io.kubedirect.runtime.internal.engine;

import io.kubedirect.runtime.spi.PersistedObjectFeed;
import io.kubernetes.client.common.KubernetesObject;
import java.util.OptionalLong;

/**
 * A feed that can lose events while its revision still advances, as an informer does across a watch
 * gap (e.g. an API Server restart) when an object was created and deleted inside the gap: its
 * relist shows neither.
 */
final class LossyFeed implements PersistedObjectFeed {

  private final PersistedObjectFeed inner;
  private volatile boolean losing;

  LossyFeed(PersistedObjectFeed inner) {
    this.inner = inner;
  }

  /** Drops (true) or passes (false) events from now on; dropped events are never replayed. */
  void lose(boolean losing) {
    this.losing = losing;
  }

  @Override
  public void addListener(String kind, Listener listener) {
    inner.addListener(
        kind,
        new Listener() {
          @Override
          public void onPersisted(KubernetesObject object) {
            if (!losing) {
              listener.onPersisted(object);
            }
          }

          @Override
          public void onDeleted(KubernetesObject object) {
            if (!losing) {
              listener.onDeleted(object);
            }
          }
        });
  }

  @Override
  public OptionalLong observedRevision(String kind) {
    return inner.observedRevision(kind);
  }
}
