/**
 * Object identity and helpers every part of the runtime shares: {@link ObjectId}, the operations a stage
 * writes ({@link WriteOp}), metadata helpers ({@link ObjectSupport}). Internal: not API.
 */
package io.kubedirect.runtime.internal.model;
