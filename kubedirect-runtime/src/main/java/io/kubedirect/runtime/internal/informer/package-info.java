/**
 * Informer wrappers: informers that see API Server objects plus ephemeral objects from direct
 * links.
 */
package io.kubedirect.runtime.internal.informer;
