/**
 * Pure logic and conventions shared by the plain and the retrofitted FaaS slice: labels, pod
 * naming, node choice, sandbox status building, pod-IP allocation and creation/deletion
 * expectations. Nothing here talks to the API Server, so every class is unit-testable on its own.
 */
package io.kubedirect.examples.faas.common;
