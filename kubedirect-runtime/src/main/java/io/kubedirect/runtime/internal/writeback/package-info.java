/** Write-back to the persisted store: coalesced, idempotent, retried, off the direct path. */
package io.kubedirect.runtime.internal.writeback;
