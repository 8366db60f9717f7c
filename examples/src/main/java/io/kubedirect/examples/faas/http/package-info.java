/**
 * HTTP plumbing shared by the activator and the serving sandboxes (Netty): in-order asynchronous
 * answers per connection, plain-text responses, and the header names they agree on.
 */
package io.kubedirect.examples.faas.http;
