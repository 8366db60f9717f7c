package io.kubedirect.examples.knative.autoscaler.metrics;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;

/**
 * Where reporters (the activator, the serving sandboxes) send their {@link Stat}s: the autoscaler's
 * stat intake ({@code Multiscaler} implements it), or anything that forwards stats to it (a link, a
 * recorder in a test). Knative's equivalent is the activator's websocket to the autoscaler and the
 * autoscaler's scrape of queue-proxy. Implementations must be thread-safe; reporters call it from
 * their own reporting thread, never from an I/O thread.
 */
@FunctionalInterface
public interface StatSink {

  /** Takes one stat of the function (revision) {@code key}. */
  void record(RevisionKey key, Stat stat);

  /** Drops every stat. */
  StatSink NONE = (key, stat) -> {};
}
