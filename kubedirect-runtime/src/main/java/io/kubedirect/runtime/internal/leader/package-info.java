/**
 * Leader election of replicated stages (internal: configure it with {@code
 * io.kubedirect.runtime.LeaderElection}): the Lease lock that also advertises the leader's link
 * address.
 */
package io.kubedirect.runtime.internal.leader;
