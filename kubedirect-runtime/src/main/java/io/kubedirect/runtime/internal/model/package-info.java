/**
 * The vocabulary every part of the runtime shares: object identity ({@link ObjectId}), the
 * operations a stage writes ({@link WriteOp}), metadata helpers ({@link ObjectSupport}), the
 * default strategy per kind ({@link DefaultKindStrategies}). Internal: not API.
 */
package io.kubedirect.runtime.internal.model;
