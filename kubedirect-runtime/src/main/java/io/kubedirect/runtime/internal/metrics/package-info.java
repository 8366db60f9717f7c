/** Micrometer meters of the engine. */
package io.kubedirect.runtime.internal.metrics;
