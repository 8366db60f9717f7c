package io.kubedirect.transport.inmemory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.Hello;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class InMemoryTransportTest {

  private final DeterministicTaskScheduler sched = new DeterministicTaskScheduler(42);
  private final InMemoryNetwork net =
      InMemoryNetwork.builder(sched).latency(Duration.ofMillis(1)).build();

  private final RecordingHandler serverSide = new RecordingHandler();
  private final RecordingHandler clientSide = new RecordingHandler();

  private LinkServer server(InMemoryTransport t) {
    return t.listen(new PeerAddress("sandbox-manager", 0), serverSide);
  }

  @Test
  void roundTripOnARealScheduler() {
    try (RealTimeTaskScheduler real = new RealTimeTaskScheduler("mem-test", 2)) {
      InMemoryNetwork rn = InMemoryNetwork.builder(real).build();
      InMemoryTransport st = rn.transport("scheduler");
      InMemoryTransport ct = rn.transport("replicaset");
      RecordingHandler echoing =
          new RecordingHandler() {
            @Override
            public void onMessage(Link link, Envelope message) {
              super.onMessage(link, message);
              link.send(
                  Envelope.newBuilder()
                      .setAck(io.kubedirect.protocol.v1.Ack.newBuilder().setSeq(message.getSeq()))
                      .build());
            }
          };
      LinkServer srv = st.listen(new PeerAddress("scheduler", 0), echoing);
      ClientLink cl = ct.connect(srv.localAddress(), "scheduler", clientSide);
      await().atMost(Duration.ofSeconds(5)).until(() -> cl.current().isPresent());
      for (long i = 1; i <= 200; i++) {
        cl.current().orElseThrow().send(RecordingHandler.batch(i));
      }
      await().atMost(Duration.ofSeconds(5)).until(() -> clientSide.messages.size() == 200);
      assertThat(echoing.seqs())
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 200).boxed().toList());
      assertThat(clientSide.messages)
          .extracting(m -> m.getAck().getSeq())
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 200).boxed().toList());
      assertThat(echoing.events.get(0)).isEqualTo("open replicaset");
      assertThat(clientSide.events.get(0)).isEqualTo("open scheduler");
      ct.close();
      st.close();
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> echoing.closes == 1 && clientSide.closes == 1);
    }
  }

  @Test
  void concurrentSendersKeepPerLinkOrderUnderCreditPressure() throws Exception {
    try (RealTimeTaskScheduler real = new RealTimeTaskScheduler("mem-conc", 4)) {
      InMemoryNetwork rn = InMemoryNetwork.builder(real).build();
      InMemoryTransport st =
          InMemoryTransport.builder(rn, "sandbox-manager").initialCredits(8).build();
      java.util.Map<String, List<Long>> byLink = new java.util.concurrent.ConcurrentHashMap<>();
      LinkServer srv =
          st.listen(
              new PeerAddress("sm", 0),
              new RecordingHandler() {
                @Override
                public void onMessage(Link link, Envelope message) {
                  byLink
                      .computeIfAbsent(
                          link.id(), k -> new java.util.concurrent.CopyOnWriteArrayList<>())
                      .add(message.getSeq());
                }
              });
      int links = 4;
      int perLink = 2000;
      List<Thread> senders = new ArrayList<>();
      for (int i = 0; i < links; i++) {
        InMemoryTransport ct =
            InMemoryTransport.builder(rn, "scheduler-" + i)
                .maxQueuedMessages(perLink)
                .highWatermark(perLink)
                .build();
        ClientLink cl = ct.connect(srv.localAddress(), "sandbox-manager", new RecordingHandler());
        await().atMost(Duration.ofSeconds(5)).until(() -> cl.current().isPresent());
        Link l = cl.current().orElseThrow();
        senders.add(
            new Thread(
                () -> {
                  for (long seq = 1; seq <= perLink; seq++) {
                    l.send(RecordingHandler.batch(seq));
                  }
                }));
      }
      senders.forEach(Thread::start);
      for (Thread t : senders) {
        t.join();
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  byLink.size() == links
                      && byLink.values().stream().allMatch(v -> v.size() == perLink));
      List<Long> expected = LongStream.rangeClosed(1, perLink).boxed().toList();
      assertThat(byLink.values())
          .allSatisfy(v -> assertThat(v).containsExactlyElementsOf(expected));
    }
  }

  @Test
  void helloExchangeOpensTheAcceptorFirstAndGivesClaimedIdentities() {
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    LinkServer srv = server(st);
    ClientLink cl = ct.connect(srv.localAddress(), "sandbox-manager", clientSide);
    long t0 = sched.nanoTime();

    sched.runFor(Duration.ofMillis(1));
    assertThat(serverSide.opened).hasSize(1);
    assertThat(clientSide.opened).isEmpty();
    assertThat(cl.current()).isEmpty();

    sched.runUntilIdle();
    assertThat(sched.nanoTime() - t0).isEqualTo(2_000_000L);
    assertThat(clientSide.opened).hasSize(1);
    assertThat(cl.current()).containsSame(clientSide.lastOpened());
    Link c = clientSide.lastOpened();
    Link s = serverSide.lastOpened();
    assertThat(c.peer().stage()).isEqualTo("sandbox-manager");
    assertThat(c.peer().verified()).isFalse();
    assertThat(s.peer().stage()).isEqualTo("scheduler");
    assertThat(s.peer().subject()).isEmpty();
    assertThat(c.id()).isNotEqualTo(s.id());
    assertThat(c.isOpen() && s.isOpen() && c.isWritable()).isTrue();
  }

  @Test
  void verifiedIdentitiesAndRequiredClientCertificates() {
    InMemoryTransport st =
        InMemoryTransport.builder(net, "sandbox-manager")
            .certificate("CN=sandbox-manager")
            .requireVerifiedPeers(true)
            .build();
    InMemoryTransport good =
        InMemoryTransport.builder(net, "scheduler").certificate("CN=scheduler").build();
    InMemoryTransport bad = net.transport("intruder");
    LinkServer srv = server(st);
    RecordingHandler intruder = new RecordingHandler();
    ClientLink badLink = bad.connect(srv.localAddress(), "sandbox-manager", intruder);
    good.connect(srv.localAddress(), "sandbox-manager", clientSide);

    sched.runFor(Duration.ofSeconds(1));

    assertThat(clientSide.lastOpened().peer())
        .isEqualTo(
            new io.kubedirect.transport.PeerIdentity(
                "sandbox-manager", true, "CN=sandbox-manager"));
    assertThat(serverSide.opened)
        .singleElement()
        .satisfies(l -> assertThat(l.peer().subject()).isEqualTo("CN=scheduler"));
    assertThat(intruder.opened).isEmpty();
    assertThat(((InMemoryClientLink) badLink).failures()).isGreaterThan(1);
    assertThat(net.trace().recent()).anyMatch(e -> e.contains("UNAUTHORIZED"));
  }

  @Test
  void versionMismatchNeverOpens() {
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = InMemoryTransport.builder(net, "scheduler").protocolMajor(2).build();
    ClientLink cl = ct.connect(server(st).localAddress(), "sandbox-manager", clientSide);
    sched.runFor(Duration.ofSeconds(1));
    assertThat(clientSide.opened).isEmpty();
    assertThat(serverSide.opened).isEmpty();
    assertThat(((InMemoryClientLink) cl).failures()).isGreaterThan(1);
    assertThat(net.trace().recent()).anyMatch(e -> e.contains("UNSUPPORTED_VERSION"));
  }

  @Test
  void theDestinationMustNameTheAcceptor() {
    InMemoryTransport node2 = net.transport("sandbox-manager/node-2");
    InMemoryTransport generic = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    InMemoryTransport lax =
        InMemoryTransport.builder(net, "scheduler").verifyDestination(false).build();
    PeerAddress a2 = node2.listen(new PeerAddress("n2", 0), serverSide).localAddress();
    PeerAddress ag = generic.listen(new PeerAddress("g", 0), serverSide).localAddress();
    ClientLink wrong = ct.connect(a2, "sandbox-manager/node-1", clientSide);
    RecordingHandler refined = new RecordingHandler();
    ct.connect(ag, "sandbox-manager/node-1", refined);
    RecordingHandler unchecked = new RecordingHandler();
    lax.connect(a2, "sandbox-manager/node-1", unchecked);
    sched.runFor(Duration.ofMillis(500));

    assertThat(clientSide.opened).isEmpty();
    assertThat(((InMemoryClientLink) wrong).failures()).isPositive();
    assertThat(net.trace().recent())
        .anyMatch(e -> e.contains("NOT_FOUND: reached sandbox-manager/node-2"));
    assertThat(refined.opened).hasSize(1);
    assertThat(unchecked.opened).hasSize(1);
    assertThat(io.kubedirect.transport.LinkRules.serves("x", "")).isTrue();
    assertThat(
            io.kubedirect.transport.LinkRules.serves("sandbox-manager/node-1", "sandbox-manager"))
        .isTrue();
    assertThat(io.kubedirect.transport.LinkRules.serves("sandbox-manager", "sandbox-manager-2"))
        .isFalse();
  }

  @Test
  void messagesArriveInOrderDespiteRandomDelays() {
    net.faults().setGlobal(FaultSpec.builder().delay(Duration.ZERO, Duration.ofMillis(20)).build());
    Link link = openPair();
    for (long i = 1; i <= 500; i++) {
      link.send(RecordingHandler.batch(i));
      if (i % 50 == 0) {
        sched.runFor(Duration.ofMillis(3));
      }
    }
    sched.runUntilIdle();
    assertThat(serverSide.seqs())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 500).boxed().toList());
  }

  @Test
  void creditsBackpressureAndOverload() {
    InMemoryTransport st =
        InMemoryTransport.builder(net, "sandbox-manager").initialCredits(4).build();
    InMemoryTransport ct =
        InMemoryTransport.builder(net, "scheduler").maxQueuedMessages(6).highWatermark(3).build();
    ct.connect(server(st).localAddress(), "sandbox-manager", clientSide);
    sched.runUntilIdle();
    Endpoint link = (Endpoint) clientSide.lastOpened();

    for (long i = 1; i <= 4; i++) {
      link.send(RecordingHandler.batch(i));
    }
    assertThat(link.credits()).isZero();
    assertThat(link.isWritable()).isFalse();
    for (long i = 5; i <= 10; i++) {
      link.send(RecordingHandler.batch(i)); // queued while out of credit
    }
    assertThat(link.queued()).isEqualTo(6);
    assertThatThrownBy(() -> link.send(RecordingHandler.batch(11)))
        .isInstanceOfSatisfying(
            LinkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.OVERLOADED));

    sched.runUntilIdle();

    assertThat(serverSide.seqs())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 10).boxed().toList());
    assertThat(link.queued()).isZero();
    assertThat(link.credits()).isEqualTo(4);
    assertThat(link.isWritable()).isTrue();
    assertThat(clientSide.writables).isEqualTo(1);
  }

  @Test
  void transportLevelBodiesAreRejected() {
    Link link = openPair();
    Envelope hello = Envelope.newBuilder().setHello(Hello.newBuilder().setStage("x")).build();
    assertThatThrownBy(() -> link.send(hello))
        .isInstanceOfSatisfying(
            LinkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    assertThatThrownBy(() -> link.send(Envelope.getDefaultInstance()))
        .isInstanceOfSatisfying(
            LinkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED));
    assertThat(link.isOpen()).isTrue();
  }

  @Test
  void orderlyCloseDeliversEarlierMessagesFirst() {
    Link link = openPair();
    link.send(RecordingHandler.batch(1));
    link.send(RecordingHandler.batch(2));
    link.close();
    link.close(); // idempotent
    assertThat(link.isOpen()).isFalse();
    assertThatThrownBy(() -> link.send(RecordingHandler.batch(3)))
        .isInstanceOfSatisfying(
            LinkException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));

    sched.runFor(Duration.ofMillis(10));

    assertThat(serverSide.events).containsExactly("open scheduler", "msg 1", "msg 2", "closed ok");
    assertThat(clientSide.events).containsExactly("open sandbox-manager", "closed ok");
    assertThat(serverSide.lastOpened().isOpen()).isFalse();
  }

  @Test
  void closeWithCodeReachesThePeerAsTypedException() {
    Link link = openPair();
    serverSide.lastOpened().close(ErrorCode.EPOCH_MISMATCH, "stale epoch 3");
    sched.runFor(Duration.ofMillis(10));
    assertThat(clientSide.closeCauses)
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.code()).isEqualTo(ErrorCode.EPOCH_MISMATCH);
              assertThat(e.getMessage()).contains("stale epoch 3");
            });
    assertThat(serverSide.closeCauses)
        .singleElement()
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.EPOCH_MISMATCH));
    assertThat(link.isOpen()).isFalse();
  }

  @Test
  void clientReconnectsAfterServerRestartAndStopsWhenClosed() {
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    LinkServer srv = server(st);
    PeerAddress addr = srv.localAddress();
    ClientLink cl = ct.connect(addr, "sandbox-manager", clientSide);
    sched.runFor(Duration.ofMillis(10));
    Link first = cl.current().orElseThrow();

    srv.close();
    sched.runFor(Duration.ofSeconds(1));
    assertThat(clientSide.events).containsExactly("open sandbox-manager", "closed ok");
    assertThat(cl.current()).isEmpty();
    int failuresWhileDown = ((InMemoryClientLink) cl).failures();
    assertThat(failuresWhileDown).isGreaterThan(1);

    InMemoryTransport restarted = net.transport("sandbox-manager");
    restarted.listen(addr, serverSide);
    sched.runFor(Duration.ofSeconds(3)); // longer than the maximum backoff
    assertThat(clientSide.opened).hasSize(2);
    assertThat(cl.current()).isPresent().get().isNotSameAs(first);

    cl.close();
    sched.runFor(Duration.ofSeconds(5));
    assertThat(clientSide.opened).hasSize(2);
    assertThat(net.openConnections()).isZero();
    assertThat(sched.pendingTasks()).isZero();
  }

  @Test
  void dialingBeforeTheServerExistsRetriesWithGrowingBackoff() {
    InMemoryTransport ct = net.transport("scheduler");
    ClientLink cl =
        ct.connect(new PeerAddress("sandbox-manager", 40_000), "sandbox-manager", clientSide);
    sched.runFor(Duration.ofMillis(200));
    int early = ((InMemoryClientLink) cl).attempts();
    sched.runFor(Duration.ofMillis(200));
    int later = ((InMemoryClientLink) cl).attempts() - early;
    assertThat(early).isGreaterThan(1);
    assertThat(later).isLessThan(early); // backoff grows

    net.transport("sandbox-manager").listen(new PeerAddress("sandbox-manager", 0), serverSide);
    sched.runFor(Duration.ofSeconds(3));
    assertThat(cl.current()).isPresent();
  }

  @Test
  void portZeroPicksFreePortsAndABoundAddressIsRefused() {
    InMemoryTransport st = net.transport("sandbox-manager");
    PeerAddress a = server(st).localAddress();
    PeerAddress b = server(st).localAddress();
    assertThat(a.port()).isEqualTo(InMemoryNetwork.FIRST_EPHEMERAL_PORT);
    assertThat(b.port()).isEqualTo(a.port() + 1);
    assertThatThrownBy(() -> st.listen(a, serverSide)).isInstanceOf(TransportException.class);
    st.close();
    assertThatThrownBy(() -> st.listen(a, serverSide)).isInstanceOf(TransportException.class);
    assertThat(net.transport("other").listen(a, serverSide).localAddress()).isEqualTo(a);
  }

  @Test
  void transportCloseClosesServersClientsAndAcceptedLinks() {
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    ClientLink cl = ct.connect(server(st).localAddress(), "sandbox-manager", clientSide);
    sched.runFor(Duration.ofMillis(10));
    st.close();
    st.close();
    sched.runFor(Duration.ofSeconds(1));
    assertThat(serverSide.events).containsExactly("open scheduler", "closed ok");
    assertThat(clientSide.events).containsExactly("open sandbox-manager", "closed ok");
    assertThat(cl.current()).isEmpty();
    assertThat(((InMemoryClientLink) cl).failures()).isPositive(); // keeps trying, nobody listens
  }

  @Test
  void crashResetsPeersAndSilencesTheCrashedStage() {
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    ct.connect(server(st).localAddress(), "sandbox-manager", clientSide);
    sched.runFor(Duration.ofMillis(10));
    Link toServer = clientSide.lastOpened();
    toServer.send(RecordingHandler.batch(1)); // in flight when the server dies

    st.crash();
    sched.runFor(Duration.ofMillis(100));

    assertThat(serverSide.events).containsExactly("open scheduler");
    assertThat(clientSide.closeCauses)
        .singleElement()
        .satisfies(e -> assertThat(e.code()).isEqualTo(ErrorCode.INTERNAL));
    assertThat(st.isCrashed()).isTrue();
  }

  @Test
  void dropLosesMessagesButKeepsTheLinkAndItsCredit() {
    net.faults()
        .setLink("scheduler", "sandbox-manager", FaultSpec.builder().drop(0.5, false).build());
    Link link = openPair();
    for (long i = 1; i <= 200; i++) {
      link.send(RecordingHandler.batch(i));
      sched.runFor(Duration.ofMillis(1));
    }
    sched.runUntilIdle();
    List<Long> got = serverSide.seqs();
    assertThat(got).hasSizeBetween(60, 140).isSorted().doesNotHaveDuplicates();
    assertThat(link.isOpen()).isTrue();
    assertThat(((Endpoint) link).credits()).isEqualTo(256);
  }

  @Test
  void dropWithResetKillsTheConnectionAndTheClientReconnects() {
    Link link = openPair();
    net.faults().setGlobal(FaultSpec.builder().drop(1.0, true).build());
    link.send(RecordingHandler.batch(1));
    net.faults().clearAll();
    sched.runFor(Duration.ofSeconds(3));
    assertThat(serverSide.messages).isEmpty();
    assertThat(clientSide.events)
        .containsExactly("open sandbox-manager", "closed INTERNAL", "open sandbox-manager");
    assertThat(serverSide.events)
        .containsExactly("open scheduler", "closed INTERNAL", "open scheduler");
  }

  @Test
  void duplicateDeliversSomeMessagesTwice() {
    net.faults().setGlobal(FaultSpec.builder().duplicate(0.5).build());
    Link link = openPair();
    for (long i = 1; i <= 100; i++) {
      link.send(RecordingHandler.batch(i));
    }
    sched.runUntilIdle();
    List<Long> got = serverSide.seqs();
    assertThat(got).hasSizeBetween(120, 180);
    assertThat(got.stream().distinct().toList())
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 100).boxed().toList());
    assertThat(((Endpoint) link).credits()).isEqualTo(256); // duplicates grant no extra credit
  }

  @Test
  void reorderLetsMessagesOvertakeWithinTheWindow() {
    net.faults().setGlobal(FaultSpec.builder().reorder(0.3, 3).build());
    Link link = openPair();
    for (long i = 1; i <= 200; i++) {
      link.send(RecordingHandler.batch(i));
    }
    sched.runUntilIdle();
    List<Long> got = serverSide.seqs();
    assertThat(got)
        .hasSize(200)
        .doesNotHaveDuplicates()
        .isNotEqualTo(LongStream.rangeClosed(1, 200).boxed().toList());
    // A message overtakes at most `window` others each time, so nothing is displaced very far.
    for (int i = 0; i < got.size(); i++) {
      assertThat(Math.abs(got.get(i) - (i + 1)))
          .as("displacement at %d", i)
          .isLessThanOrEqualTo(30);
    }
  }

  @Test
  void delayPostponesDelivery() {
    Link link = openPair();
    net.faults()
        .setGlobal(FaultSpec.builder().delay(Duration.ofMillis(50), Duration.ofMillis(50)).build());
    link.send(RecordingHandler.batch(1));
    sched.runFor(Duration.ofMillis(50));
    assertThat(serverSide.messages).isEmpty();
    sched.runFor(Duration.ofMillis(1));
    assertThat(serverSide.seqs()).containsExactly(1L);
  }

  @Test
  void partitionLosesMessagesThenResetsAndBlocksUntilHealed() {
    Link link = openPair();
    ClientLink cl = lastClient;
    net.faults().partition("scheduler", "sandbox-manager");
    assertThat(net.faults().isPartitioned("sandbox-manager", "scheduler")).isTrue();
    link.send(RecordingHandler.batch(1));
    sched.runFor(Duration.ofMillis(299));
    assertThat(link.isOpen()).isTrue();
    sched.runFor(Duration.ofMillis(2));
    assertThat(link.isOpen()).isFalse();
    assertThat(clientSide.closeCauses)
        .singleElement()
        .satisfies(e -> assertThat(e.getMessage()).contains("heartbeat timeout"));
    sched.runFor(Duration.ofSeconds(3));
    assertThat(cl.current()).isEmpty();

    net.faults().heal("scheduler", "sandbox-manager");
    sched.runFor(Duration.ofSeconds(3));
    assertThat(cl.current()).isPresent();
    assertThat(serverSide.messages).isEmpty();
  }

  @Test
  void halfOpenLetsOldMessagesReachTheAcceptorAfterTheDiallerReconnected() {
    net.faults()
        .setGlobal(
            FaultSpec.builder().delay(Duration.ofMillis(200), Duration.ofMillis(200)).build());
    Link old = openPair();
    old.send(RecordingHandler.batch(1)); // arrives 201 ms later
    net.faults().clearAll();
    assertThat(net.faults().halfOpen("scheduler", "sandbox-manager")).isEqualTo(1);
    assertThat(old.isOpen()).isFalse();
    sched.runFor(Duration.ofMillis(150)); // the dialler has reconnected meanwhile
    assertThat(clientSide.events)
        .containsExactly("open sandbox-manager", "closed INTERNAL", "open sandbox-manager");
    Link oldAtServer = serverSide.opened.get(0);
    assertThat(oldAtServer.isOpen()).isTrue();
    assertThat(serverSide.opened).hasSize(2);

    sched.runFor(Duration.ofMillis(100));
    assertThat(serverSide.messages)
        .extracting(Envelope::getSeq)
        .containsExactly(1L); // stale, on the old link
    sched.runFor(Duration.ofMillis(100));
    assertThat(oldAtServer.isOpen()).isFalse(); // heartbeat timeout at 300 ms
    assertThat(serverSide.opened.get(1).isOpen()).isTrue();
  }

  @Test
  void killLinksResetsOnlyTheNamedPair() {
    Link link = openPair();
    InMemoryTransport other = net.transport("replicaset");
    RecordingHandler otherSide = new RecordingHandler();
    other.connect(serverAddress, "sandbox-manager", otherSide);
    sched.runFor(Duration.ofMillis(10));

    assertThat(net.faults().killLinks("scheduler", "sandbox-manager")).isEqualTo(1);
    sched.runFor(Duration.ofMillis(10));
    assertThat(link.isOpen()).isFalse();
    assertThat(otherSide.lastOpened().isOpen()).isTrue();
    net.faults().kill(otherSide.lastOpened());
    assertThat(otherSide.lastOpened().isOpen()).isFalse();
  }

  @Test
  void aConnectionResetBeforeTheHelloAckIsInvisibleToTheDialler() {
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    ClientLink cl = ct.connect(server(st).localAddress(), "sandbox-manager", clientSide);
    sched.runFor(Duration.ofMillis(1)); // accepted; the HelloAck is on its way back
    assertThat(serverSide.opened).hasSize(1);
    net.faults().killAll();
    sched.runFor(Duration.ofMillis(20));
    assertThat(clientSide.events).isEmpty();
    assertThat(serverSide.events).containsExactly("open scheduler", "closed INTERNAL");
    sched.runFor(Duration.ofSeconds(1));
    assertThat(clientSide.events).containsExactly("open sandbox-manager");
    assertThat(cl.current()).isPresent();
  }

  @Test
  void closingFromInsideOnMessageDropsTheRestAndEndsWithOnClosed() {
    RecordingHandler closer =
        new RecordingHandler() {
          @Override
          public void onMessage(Link link, Envelope message) {
            super.onMessage(link, message);
            if (message.getSeq() == 2) {
              link.close();
            }
          }
        };
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    ct.connect(
        st.listen(new PeerAddress("sm", 0), closer).localAddress(), "sandbox-manager", clientSide);
    sched.runFor(Duration.ofMillis(10));
    Link link = clientSide.lastOpened();
    for (long i = 1; i <= 5; i++) {
      link.send(RecordingHandler.batch(i));
    }
    sched.runFor(Duration.ofMillis(10));
    assertThat(closer.events).containsExactly("open scheduler", "msg 1", "msg 2", "closed ok");
    assertThat(clientSide.events).containsExactly("open sandbox-manager", "closed ok");
  }

  @Test
  void faultRulesCanTargetOneInstanceOfAStage() {
    InMemoryTransport node1 =
        InMemoryTransport.builder(net, "sandbox-manager").instance("sm-node-1").build();
    InMemoryTransport node2 =
        InMemoryTransport.builder(net, "sandbox-manager").instance("sm-node-2").build();
    InMemoryTransport ct = net.transport("scheduler");
    RecordingHandler h1 = new RecordingHandler();
    RecordingHandler h2 = new RecordingHandler();
    ClientLink c1 =
        ct.connect(
            node1.listen(new PeerAddress("n1", 0), h1).localAddress(),
            "sandbox-manager",
            clientSide);
    ClientLink c2 =
        ct.connect(
            node2.listen(new PeerAddress("n2", 0), h2).localAddress(),
            "sandbox-manager",
            new RecordingHandler());
    sched.runFor(Duration.ofMillis(10));
    assertThat(h1.lastOpened().peer().stage()).isEqualTo("scheduler");

    net.faults().setLink("scheduler", "sm-node-1", FaultSpec.builder().drop(1.0, false).build());
    c1.current().orElseThrow().send(RecordingHandler.batch(1));
    c2.current().orElseThrow().send(RecordingHandler.batch(1));
    sched.runFor(Duration.ofMillis(10));
    assertThat(h1.messages).isEmpty();
    assertThat(h2.seqs()).containsExactly(1L);

    assertThat(net.faults().killLinks("sandbox-manager", "scheduler")).isEqualTo(2);
  }

  @Test
  void sameSeedSameTraceDifferentSeedsDifferentTraces() {
    long a = chaoticRun(11);
    assertThat(chaoticRun(11)).isEqualTo(a);
    List<Long> hashes = new ArrayList<>();
    for (long seed = 0; seed < 5; seed++) {
      hashes.add(chaoticRun(seed));
    }
    assertThat(hashes).doesNotHaveDuplicates();
  }

  private static long chaoticRun(long seed) {
    DeterministicTaskScheduler s = new DeterministicTaskScheduler(seed);
    InMemoryNetwork n = InMemoryNetwork.builder(s).latency(Duration.ofMillis(1)).build();
    n.faults()
        .setGlobal(
            FaultSpec.builder()
                .drop(0.05, true)
                .duplicate(0.1)
                .reorder(0.2, 3)
                .delay(Duration.ZERO, Duration.ofMillis(5))
                .build());
    InMemoryTransport st = n.transport("sandbox-manager");
    InMemoryTransport ct = n.transport("scheduler");
    RecordingHandler echo =
        new RecordingHandler() {
          @Override
          public void onMessage(Link link, Envelope message) {
            super.onMessage(link, message);
            if (link.isWritable()) {
              link.send(
                  Envelope.newBuilder()
                      .setAck(io.kubedirect.protocol.v1.Ack.newBuilder().setSeq(message.getSeq()))
                      .build());
            }
          }
        };
    ClientLink cl =
        ct.connect(
            st.listen(new PeerAddress("sm", 0), echo).localAddress(),
            "sandbox-manager",
            new RecordingHandler());
    long seq = 0;
    for (int round = 0; round < 300; round++) {
      s.runFor(Duration.ofMillis(5));
      Link l = cl.current().orElse(null);
      if (l != null && l.isWritable()) {
        l.send(RecordingHandler.batch(++seq));
      }
    }
    cl.close();
    s.runUntilIdle();
    assertThat(n.trace().events()).isGreaterThan(100);
    return n.trace().hash();
  }

  // ---- helpers ----

  private PeerAddress serverAddress;
  private ClientLink lastClient;

  /** Opens scheduler -> sandbox-manager and returns the client side. */
  private Link openPair() {
    InMemoryTransport st = net.transport("sandbox-manager");
    InMemoryTransport ct = net.transport("scheduler");
    serverAddress = server(st).localAddress();
    lastClient = ct.connect(serverAddress, "sandbox-manager", clientSide);
    sched.runFor(Duration.ofMillis(10));
    return lastClient.current().orElseThrow();
  }
}
