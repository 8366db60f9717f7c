package io.kubedirect.transport.inmemory;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Records every callback, for assertions. Thread-safe. */
class RecordingHandler implements LinkHandler {

  final List<String> events = new CopyOnWriteArrayList<>();
  final List<Envelope> messages = new CopyOnWriteArrayList<>();
  final List<Link> opened = new CopyOnWriteArrayList<>();
  final List<LinkException> closeCauses = new CopyOnWriteArrayList<>();
  volatile int closes;
  volatile int writables;

  @Override
  public void onOpen(Link link) {
    opened.add(link);
    events.add("open " + link.peer().stage());
  }

  @Override
  public void onMessage(Link link, Envelope message) {
    messages.add(message);
    events.add("msg " + message.getSeq());
  }

  @Override
  public void onWritable(Link link) {
    writables++;
    events.add("writable");
  }

  @Override
  public void onClosed(Link link, LinkException cause) {
    closes++;
    if (cause != null) {
      closeCauses.add(cause);
    }
    events.add("closed " + (cause == null ? "ok" : cause.code()));
  }

  Link lastOpened() {
    return opened.isEmpty() ? null : opened.get(opened.size() - 1);
  }

  List<Long> seqs() {
    List<Long> out = new ArrayList<>();
    for (Envelope e : messages) {
      out.add(e.getSeq());
    }
    return out;
  }

  static Envelope batch(long seq) {
    return Envelope.newBuilder()
        .setSeq(seq)
        .setEpoch(1)
        .setObjectBatch(io.kubedirect.protocol.v1.ObjectBatch.newBuilder().setKind("/v1/Pod"))
        .build();
  }
}
