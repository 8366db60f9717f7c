/**
 * client-java adapters of the engine seams: the API Server as persisted store, an executor as
 * scheduler.
 */
package io.kubedirect.runtime.client;
