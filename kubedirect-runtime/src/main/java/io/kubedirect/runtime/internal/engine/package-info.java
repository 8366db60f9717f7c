/**
 * The engine (public but internal: controllers use {@code io.kubedirect.runtime.KubeDirect}): link
 * sessions with epochs and the two-round handshake, the dirty set, routing, fallback and write-back
 * orchestration. See {@code docs/design.md}.
 */
package io.kubedirect.runtime.internal.engine;
