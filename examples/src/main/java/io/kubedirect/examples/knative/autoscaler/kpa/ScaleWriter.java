package io.kubedirect.examples.knative.autoscaler.kpa;

import io.kubedirect.examples.knative.autoscaler.RevisionKey;

/** Writes a revision's scale (Knative patches the Deployment's {@code scale} subresource). */
@FunctionalInterface
public interface ScaleWriter {

  /** Sets the replicas of the revision's workload to {@code replicas}. */
  void writeScale(RevisionKey revision, int replicas) throws Exception;
}
