/**
 * The object codec: turns Kubernetes objects into {@code ObjectBatch}es for a direct link and back.
 *
 * <p>Objects derived from one template (the pods of a ReplicaSet) share a {@code Template} that is
 * sent once per link and epoch; each object then carries only its per-object fields (name, uid,
 * creation time, node name, version) and an RFC 7386 merge patch for anything else that differs.
 * {@link io.kubedirect.runtime.internal.codec.Kinds} maps Java model classes to the wire's kind
 * strings.
 *
 * <p>Decoded objects must be treated as read-only: pods decoded from one template share everything
 * below their metadata, spec and status (deep-copy before mutating).
 *
 * <p>Entry point: {@link io.kubedirect.runtime.internal.codec.ObjectCodec#create()}.
 */
package io.kubedirect.runtime.internal.codec;
