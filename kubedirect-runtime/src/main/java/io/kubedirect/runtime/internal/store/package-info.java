/**
 * The ephemeral store: objects received over direct links that the API Server does not show yet.
 */
package io.kubedirect.runtime.internal.store;
