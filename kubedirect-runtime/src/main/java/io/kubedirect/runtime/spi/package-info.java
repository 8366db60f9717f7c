/**
 * Seams of the engine. Production wires them to real time and the API Server; the deterministic
 * simulation wires them to a virtual clock and a simulated persisted store. Controller authors do
 * not use them.
 */
package io.kubedirect.runtime.spi;
