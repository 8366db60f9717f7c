package io.kubedirect.transport.netty;

import io.kubedirect.protocol.v1.Ack;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** Records link events; optionally answers every ObjectBatch with an Ack of its seq. */
final class RecordingHandler implements LinkHandler {

  /** A closed link and its cause (null cause = orderly). */
  record Closed(Link link, LinkException cause) {}

  final List<Link> opened = new CopyOnWriteArrayList<>();
  final List<Envelope> messages = new CopyOnWriteArrayList<>();
  final List<Closed> closed = new CopyOnWriteArrayList<>();
  final AtomicInteger writable = new AtomicInteger();
  private final boolean ackBatches;

  RecordingHandler(boolean ackBatches) {
    this.ackBatches = ackBatches;
  }

  static RecordingHandler acking() {
    return new RecordingHandler(true);
  }

  static RecordingHandler recording() {
    return new RecordingHandler(false);
  }

  @Override
  public void onOpen(Link link) {
    opened.add(link);
  }

  @Override
  public void onMessage(Link link, Envelope message) {
    messages.add(message);
    if (ackBatches && message.hasObjectBatch()) {
      link.send(Envelope.newBuilder().setAck(Ack.newBuilder().setSeq(message.getSeq())).build());
    }
  }

  @Override
  public void onWritable(Link link) {
    writable.incrementAndGet();
  }

  @Override
  public void onClosed(Link link, LinkException cause) {
    closed.add(new Closed(link, cause));
  }

  Optional<LinkException> lastCause() {
    return closed.isEmpty()
        ? Optional.empty()
        : Optional.ofNullable(closed.get(closed.size() - 1).cause());
  }

  long acks() {
    return messages.stream().filter(Envelope::hasAck).count();
  }
}
