package io.kubedirect.runtime.sim;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.inmemory.InMemoryNetwork;
import io.kubedirect.transport.inmemory.InMemoryTransport;
import java.time.Duration;
import java.util.List;

/**
 * The {@code hostileEpoch} fault: a peer that authenticates as an upstream stage (its identity
 * names that stage, as a stolen or misissued certificate would) dials a receiver, sends one {@code
 * HandshakeRequest} with a far-future epoch, and goes away. It records what the receiver answered.
 */
final class HostilePeer {

  private HostilePeer() {}

  /** Sends the forged request; the answers (body cases) are appended to {@code answers}. */
  static void forge(
      InMemoryNetwork net,
      String asStage,
      PeerAddress target,
      String destination,
      long epoch,
      List<String> answers) {
    InMemoryTransport t =
        InMemoryTransport.builder(net, asStage).instance("hostile-" + asStage).build();
    t.connect(
        target,
        destination,
        new LinkHandler() {
          @Override
          public void onOpen(Link link) {
            try {
              link.send(
                  Envelope.newBuilder()
                      .setSeq(1)
                      .setEpoch(epoch)
                      .setHandshakeRequest(
                          HandshakeRequest.newBuilder()
                              .setSource(asStage)
                              .setDestination(destination))
                      .build());
            } catch (LinkException ex) {
              answers.add("send failed: " + ex.getMessage());
            }
            // Hang up a little later (after the answer), and never reconnect.
            net.scheduler().schedule(t::crash, Duration.ofMillis(20));
          }

          @Override
          public void onMessage(Link link, Envelope message) {
            answers.add(
                message.getBodyCase().name()
                    + (message.hasError() ? " " + message.getError().getCode() : ""));
          }

          @Override
          public void onWritable(Link link) {}

          @Override
          public void onClosed(Link link, LinkException cause) {}
        });
    // If the receiver is down, give up after a while.
    net.scheduler().schedule(t::crash, Duration.ofMillis(500));
  }
}
