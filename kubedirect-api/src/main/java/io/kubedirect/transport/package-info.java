/**
 * The transport SPI: message-oriented, bidirectional links between two stages of the narrow waist.
 *
 * <p>A {@link io.kubedirect.transport.Transport} accepts links ({@link
 * io.kubedirect.transport.LinkServer}) and dials them ({@link io.kubedirect.transport.ClientLink},
 * which reconnects by itself). Each established connection is a {@link
 * io.kubedirect.transport.Link}; its events reach a {@link io.kubedirect.transport.LinkHandler}.
 * The transport owns framing, the version exchange ({@code Hello}/{@code HelloAck}), credit-based
 * flow control, heartbeats, TLS and peer identity; it hands only link-level messages (handshake,
 * object batches, acks, errors) to the handler. Epochs, the handshake and the write-back cache live
 * in the runtime, above this SPI.
 *
 * <p>Implementations: {@code NettyTransport} (module kubedirect-transport-netty) and {@code
 * InMemoryTransport} (module kubedirect-transport-inmemory, the test double with fault injection
 * and virtual time). Both pass {@code io.kubedirect.testing.transport.TransportConformanceSuite}
 * (module kubedirect-testing), which states the contract below as tests. No implementation type
 * appears here. {@link io.kubedirect.transport.TaskScheduler} and {@link
 * io.kubedirect.transport.BackoffPolicy} are shared with the runtime.
 */
package io.kubedirect.transport;
