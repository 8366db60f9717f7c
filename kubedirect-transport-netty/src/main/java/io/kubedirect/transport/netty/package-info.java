/**
 * The Netty 4.2 implementation of the transport SPI ({@link io.kubedirect.transport}).
 *
 * <p>Public surface: {@link io.kubedirect.transport.netty.NettyTransport} (built by its builder),
 * {@link io.kubedirect.transport.netty.TlsConfig} and {@link
 * io.kubedirect.transport.netty.IoBackend}. No Netty type appears in a public signature. The wire
 * format is specified in {@code docs/protocol.md}.
 */
package io.kubedirect.transport.netty;
