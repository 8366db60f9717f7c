package io.kubedirect.testing.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kubedirect.protocol.v1.Ack;
import io.kubedirect.protocol.v1.Credit;
import io.kubedirect.protocol.v1.Envelope;
import io.kubedirect.protocol.v1.ErrorCode;
import io.kubedirect.protocol.v1.HandshakeConfirm;
import io.kubedirect.protocol.v1.HandshakeRequest;
import io.kubedirect.protocol.v1.Heartbeat;
import io.kubedirect.protocol.v1.Hello;
import io.kubedirect.protocol.v1.HelloAck;
import io.kubedirect.protocol.v1.ObjectBatch;
import io.kubedirect.protocol.v1.ObjectChange;
import io.kubedirect.transport.BackoffPolicy;
import io.kubedirect.transport.ClientLink;
import io.kubedirect.transport.Link;
import io.kubedirect.transport.LinkException;
import io.kubedirect.transport.LinkHandler;
import io.kubedirect.transport.LinkRules;
import io.kubedirect.transport.LinkServer;
import io.kubedirect.transport.PeerAddress;
import io.kubedirect.transport.PeerIdentity;
import io.kubedirect.transport.Transport;
import io.kubedirect.transport.TransportException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The contract of the transport SPI ({@code io.kubedirect.transport}) as tests that every {@link
 * Transport} must pass. Extend it once per transport (or per configuration, e.g. plaintext and TLS)
 * and implement the hooks:
 *
 * <ul>
 *   <li>{@link #newTransport(String, BackoffPolicy.Provider)}: a fresh transport for a stage, with
 *       the given reconnect backoff (the suite passes a constant 20 ms one and counts its use).
 *       Every transport of one test must be able to reach the others (same network, same trust).
 *   <li>{@link #anyAddress()}: an address with port 0 that {@link Transport#listen} accepts.
 *   <li>{@link #awaitUntil(String, BooleanSupplier)} and {@link #assertStays(String,
 *       BooleanSupplier, Duration)}: how time passes. A real-time transport polls (Awaitility); a
 *       virtual-time one runs its scheduler. The suite never sleeps and never drives time
 *       otherwise, so both kinds run the same cases.
 * </ul>
 *
 * <p>The suite expresses what the SPI documents and both shipped transports do, not the quirks of
 * one of them. Parts of the contract a transport may legitimately lack are capability flags ({@link
 * #signalsWritability()}, {@link #deliversMessagesSentBeforeClose()}); a transport that turns one
 * off sees those cases reported as skipped, with the reason, never silently passed.
 *
 * <p>Every case also checks, through the {@link Recorder} handlers, the per-link callback
 * invariants of {@link LinkHandler}: {@code onOpen} first, callbacks one at a time, {@code
 * onClosed} at most once and last.
 *
 * <p>Sizing: the transports under test should grant small credit windows (for example 16 messages)
 * so that the ordering case runs past them, and hold at least 1,024 queued outbound messages.
 */
public abstract class TransportConformanceSuite {

  /** Messages the ordering case sends each way: more than any credit window a test configures. */
  protected static final int ROUND_TRIP_MESSAGES = 1_000;

  /** Upper bound on sends before a blocked receiver must have made the sender's queue overflow. */
  protected static final int OVERLOAD_SEND_LIMIT = 50_000;

  /** How long "nothing more happens" is watched (real or virtual time). */
  protected static final Duration QUIET_PERIOD = Duration.ofMillis(300);

  /** The constant reconnect delay of the backoff handed to every transport. */
  protected static final Duration RECONNECT_DELAY = Duration.ofMillis(20);

  private final List<Transport> transports = new ArrayList<>();
  private final List<Recorder> recorders = new ArrayList<>();

  /**
   * The backoff given to every transport of the current test; counts policies and delays handed
   * out.
   */
  protected final CountingBackoff backoff = new CountingBackoff(RECONNECT_DELAY);

  // ---------------------------------------------------------------------------------------------------------
  // Hooks
  // ---------------------------------------------------------------------------------------------------------

  /**
   * A new transport speaking for {@code stageName} that reconnects its client links with {@code
   * backoff}. The suite closes it after the test.
   */
  protected abstract Transport newTransport(String stageName, BackoffPolicy.Provider backoff);

  /** An address to listen on with port 0 (a free port is picked). */
  protected abstract PeerAddress anyAddress();

  /**
   * Lets time pass until {@code condition} holds, and fails the test (an {@link AssertionError}
   * naming {@code what}) if it does not within a generous timeout (seconds of real time, or a
   * minute of virtual time).
   */
  protected abstract void awaitUntil(String what, BooleanSupplier condition);

  /**
   * Lets {@code period} pass and fails the test if {@code condition} stops holding meanwhile. The
   * suite has already checked that it holds now, and only uses conditions that cannot recover once
   * broken (counts that only grow).
   */
  protected abstract void assertStays(String what, BooleanSupplier condition, Duration period);

  /**
   * Capability: {@link Link#isWritable()} turns false when the peer grants no credit, {@link
   * Link#send} then fails with {@link ErrorCode#OVERLOADED} once the bounded outbound queue is
   * full, and {@link LinkHandler#onWritable} follows when the link can take messages again. Default
   * true.
   */
  protected boolean signalsWritability() {
    return true;
  }

  /**
   * Capability: messages sent (within the peer's credit) before an orderly {@link Link#close()}
   * reach the peer before its {@code onClosed}. Default true.
   */
  protected boolean deliversMessagesSentBeforeClose() {
    return true;
  }

  /**
   * Whether peers are authenticated (TLS); then identities are verified and carry a subject.
   * Default false.
   */
  protected boolean expectsVerifiedPeers() {
    return false;
  }

  // ---------------------------------------------------------------------------------------------------------
  // Cases
  // ---------------------------------------------------------------------------------------------------------

  @Test
  public void stageNameIsTheOneTheTransportSpeaksFor() {
    assertEquals("scheduler", transport("scheduler").stageName());
    assertEquals("sandbox-manager/node-1", transport("sandbox-manager/node-1").stageName());
  }

  @Test
  public void listenOnPortZeroBindsDistinctAddressesAndABoundAddressIsRefused() {
    Transport t = transport("scheduler");
    PeerAddress a = t.listen(anyAddress(), recorder("a")).localAddress();
    PeerAddress b = t.listen(anyAddress(), recorder("b")).localAddress();
    assertNotEquals(0, a.port(), "port 0 resolves to the bound port");
    assertNotEquals(a, b);
    assertThrows(TransportException.class, () -> transport("other").listen(a, recorder("c")));
  }

  @Test
  public void connectOpensBothSidesWithThePeersIdentity() {
    Pair p = openPair();
    assertSame(
        p.clientLink(),
        p.client.current().orElseThrow(),
        "ClientLink.current() is the opened link");
    assertEquals(p.address, p.client.address());
    checkIdentity(p.clientLink().peer(), "scheduler");
    checkIdentity(p.serverLink().peer(), "replicaset");
    assertNotEquals(
        p.clientLink().id(), p.serverLink().id(), "link ids are unique within the process");
    assertTrue(p.clientLink().isOpen() && p.serverLink().isOpen());
    assertTrue(p.clientLink().isWritable(), "a fresh link has credit");
    assertTrue(p.serverLink().isWritable(), "a fresh link has credit");
    holds(
        "exactly one link per side",
        () -> p.serverSide.opened.size() == 1 && p.clientSide.opened.size() == 1);
  }

  @Test
  public void linkLevelMessagesFlowInOrderBothWaysPastTheCreditWindow() {
    Recorder server = recorder("server");
    server.echoAcks = true;
    Pair p = openPair(server);
    Link link = p.clientLink();
    List<Envelope> sent = new ArrayList<>();
    for (long seq = 1; seq <= ROUND_TRIP_MESSAGES; seq++) {
      if (!link.isWritable()) {
        awaitUntil("the link is writable again", link::isWritable);
      }
      Envelope m = message(seq);
      link.send(m);
      sent.add(m);
    }
    awaitUntil("every message is acked", () -> p.clientSide.messages.size() == ROUND_TRIP_MESSAGES);
    assertEquals(
        sent, server.messages, "the acceptor got every message once, unchanged and in order");
    for (int i = 0; i < ROUND_TRIP_MESSAGES; i++) {
      Envelope ack = p.clientSide.messages.get(i);
      assertTrue(ack.hasAck(), "the dialler got only acks");
      assertEquals(i + 1, ack.getAck().getSeq(), "acks in order");
    }
  }

  @Test
  public void transportLevelBodiesAreRefusedAndTheLinkStaysUsable() {
    Pair p = openPair();
    Link link = p.clientLink();
    List<Envelope> refused =
        List.of(
            Envelope.newBuilder().setHello(Hello.newBuilder().setStage("replicaset")).build(),
            Envelope.newBuilder().setHelloAck(HelloAck.newBuilder().setStage("replicaset")).build(),
            Envelope.newBuilder().setCredit(Credit.newBuilder().setMessages(5)).build(),
            Envelope.newBuilder().setHeartbeat(Heartbeat.newBuilder().setSentNanos(1)).build(),
            Envelope.getDefaultInstance());
    for (Envelope e : refused) {
      assertFalse(LinkRules.isLinkLevel(e.getBodyCase()));
      LinkException x =
          assertThrows(LinkException.class, () -> link.send(e), e.getBodyCase().toString());
      assertEquals(ErrorCode.MALFORMED, x.code(), e.getBodyCase().toString());
    }
    assertTrue(link.isOpen(), "a refused send does not close the link");
    link.send(message(1));
    awaitUntil("the next message arrives", () -> p.serverSide.messages.size() == 1);
    assertEquals(message(1), p.serverSide.messages.get(0));
  }

  @Test
  public void orderlyCloseByTheDiallerReachesBothSidesOnceAndTheClientLinkReconnects() {
    Pair p = openPair();
    closeOrderly(p, p.clientLink());
    awaitReconnect(p); // closing one connection is not closing the ClientLink
  }

  @Test
  public void orderlyCloseByTheAcceptorReachesBothSidesOnceAndTheClientLinkReconnects() {
    Pair p = openPair();
    closeOrderly(p, p.serverLink());
    awaitReconnect(p);
  }

  private void awaitReconnect(Pair p) {
    awaitUntil(
        "the ClientLink reconnects",
        () ->
            p.client.current().isPresent()
                && p.client.current().get() != p.clientLink()
                && p.clientSide.opened.size() == 2
                && p.serverSide.opened.size() == 2);
    Link second = p.client.current().orElseThrow();
    assertSame(second, p.clientSide.opened.get(1));
    assertNotEquals(p.clientLink().id(), second.id());
    assertTrue(backoff.delays.get() >= 1, "the reconnect waited for the backoff");
  }

  @Test
  public void closeWithAnErrorCodeReachesBothSidesTyped() {
    Pair p = openPair();
    p.serverLink().close(ErrorCode.EPOCH_MISMATCH, "stale epoch 3");
    awaitUntil(
        "both sides closed",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
    LinkException atDialler = p.clientSide.cause(p.clientLink());
    assertNotNull(atDialler, "an error close is not orderly");
    assertEquals(ErrorCode.EPOCH_MISMATCH, atDialler.code());
    assertTrue(atDialler.getMessage().contains("stale epoch 3"), atDialler.getMessage());
    LinkException atAcceptor = p.serverSide.cause(p.serverLink());
    assertNotNull(atAcceptor);
    assertEquals(ErrorCode.EPOCH_MISMATCH, atAcceptor.code());
    p.serverLink().close(ErrorCode.INTERNAL, "again"); // idempotent
    p.serverLink().close();
    holds(
        "onClosed once per side",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
  }

  @Test
  public void sendOnAClosedLinkFailsWithInternal() {
    Pair p = openPair();
    p.clientLink().close();
    awaitUntil(
        "both sides closed",
        () -> !p.clientLink().isOpen() && p.serverSide.closes(p.serverLink()) == 1);
    for (Link closed : List.of(p.clientLink(), p.serverLink())) {
      assertFalse(closed.isOpen());
      assertFalse(closed.isWritable(), "a closed link is not writable");
      LinkException x = assertThrows(LinkException.class, () -> closed.send(message(1)));
      assertEquals(ErrorCode.INTERNAL, x.code());
    }
  }

  @Test
  public void messagesSentBeforeAnOrderlyCloseArriveBeforeOnClosed() {
    Assumptions.assumeTrue(
        deliversMessagesSentBeforeClose(),
        "capability deliversMessagesSentBeforeClose() is off for this transport");
    Pair p = openPair();
    for (long seq = 1; seq <= 3; seq++) {
      p.clientLink().send(message(seq));
    }
    p.clientLink().close();
    awaitUntil("the acceptor saw the close", () -> p.serverSide.closes(p.serverLink()) == 1);
    assertEquals(
        List.of("open", "msg 1", "msg 2", "msg 3", "closed"), p.serverSide.events(p.serverLink()));
  }

  @Test
  public void closingFromInsideOnMessageEndsTheLinkOnBothSides() {
    Recorder server = recorder("server");
    server.closeAtSeq = 2;
    Pair p = openPair(server);
    for (long seq = 1; seq <= 5; seq++) {
      try {
        p.clientLink().send(message(seq));
      } catch (LinkException e) {
        // the acceptor's close may already have arrived (a real-time transport): a closed link
        // refuses sends
        assertEquals(ErrorCode.INTERNAL, e.code(), e.getMessage());
        assertTrue(seq > 2, "the close comes after message 2");
        break;
      }
    }
    awaitUntil(
        "both sides closed",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
    List<String> events = p.serverSide.events(p.serverLink());
    assertEquals(List.of("open", "msg 1", "msg 2"), events.subList(0, 3), events.toString());
    assertEquals("closed", events.get(events.size() - 1), events.toString());
    assertNull(p.serverSide.cause(p.serverLink()), "an orderly close");
  }

  @Test
  public void clientLinkCloseClosesTheConnectionAndStopsReconnecting() {
    Pair p = openPair();
    p.client.close();
    p.client.close(); // idempotent
    awaitUntil(
        "both sides closed",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
    assertTrue(p.client.current().isEmpty());
    int delays = backoff.delays.get();
    holds(
        "no reconnection after close()",
        () ->
            p.serverSide.opened.size() == 1
                && p.clientSide.opened.size() == 1
                && backoff.delays.get() == delays
                && p.client.current().isEmpty());
  }

  @Test
  public void clientLinkReconnectsWithBackoffAfterTheServerRestarts() {
    Transport client = transport("replicaset");
    Recorder clientSide = recorder("client");
    Transport server = transport("scheduler");
    Recorder firstServer = recorder("server-1");
    PeerAddress address = server.listen(anyAddress(), firstServer).localAddress();
    ClientLink dialled = client.connect(address, "scheduler", clientSide);
    awaitUntil("the first connection opens", () -> dialled.current().isPresent());
    Link first = dialled.current().orElseThrow();
    int policiesWhileUp = backoff.policies.get();

    server.close(); // the server process goes away
    awaitUntil(
        "the dialler sees the link close",
        () -> clientSide.closes(first) == 1 && dialled.current().isEmpty());
    awaitUntil("the dialler retries with its backoff", () -> backoff.delays.get() >= 2);
    assertFalse(first.isOpen());
    assertTrue(dialled.current().isEmpty());

    Recorder secondServer = recorder("server-2");
    transport("scheduler").listen(address, secondServer); // restarted on the same address
    awaitUntil("the dialler reconnects", () -> dialled.current().isPresent());
    Link second = dialled.current().orElseThrow();
    assertNotSame(first, second);
    assertNotEquals(first.id(), second.id());
    assertTrue(
        backoff.policies.get() > policiesWhileUp,
        "a successful connection starts a fresh backoff policy");
    second.send(message(1));
    awaitUntil("the restarted server gets the message", () -> secondServer.messages.size() == 1);
    awaitUntil(
        "the dialler's handler saw the second link open", () -> clientSide.opened.size() == 2);
    assertSame(second, clientSide.opened.get(1));
    assertEquals(1, firstServer.opened.size());
  }

  @Test
  public void clientLinkDialsUntilTheServerAppears() {
    Transport client = transport("replicaset");
    Recorder clientSide = recorder("client");
    PeerAddress address;
    try (LinkServer probe = transport("probe").listen(anyAddress(), recorder("probe"))) {
      address = probe.localAddress(); // an address that is free once the probe is closed
    }
    ClientLink dialled = client.connect(address, "scheduler", clientSide);
    awaitUntil("failed attempts are retried with the backoff", () -> backoff.delays.get() >= 2);
    assertTrue(dialled.current().isEmpty());
    assertTrue(clientSide.opened.isEmpty(), "a failed attempt is not a link");

    Recorder server = recorder("server");
    transport("scheduler").listen(address, server);
    awaitUntil(
        "the dialler connects", () -> dialled.current().isPresent() && server.opened.size() == 1);
  }

  @Test
  public void theAcceptorMustServeTheDestination() {
    Transport node2 = transport("sandbox-manager/node-2");
    Transport generic = transport("sandbox-manager");
    Recorder node2Side = recorder("node-2");
    Recorder genericSide = recorder("generic");
    Map<String, PeerAddress> servers = new LinkedHashMap<>();
    servers.put("sandbox-manager/node-2", node2.listen(anyAddress(), node2Side).localAddress());
    servers.put("sandbox-manager", generic.listen(anyAddress(), genericSide).localAddress());
    Transport client = transport("scheduler");
    List<String> destinations =
        List.of(
            "",
            "sandbox-manager",
            "sandbox-manager/node-1",
            "sandbox-manager/node-2",
            "scheduler",
            "sandbox-manager-2");
    Map<String, ClientLink> served = new LinkedHashMap<>();
    Map<String, ClientLink> refused = new LinkedHashMap<>();
    Map<String, Recorder> handlers = new LinkedHashMap<>();
    for (Map.Entry<String, PeerAddress> s : servers.entrySet()) {
      for (String destination : destinations) {
        String key = "'" + destination + "' at " + s.getKey();
        Recorder r = recorder(key);
        handlers.put(key, r);
        ClientLink c = client.connect(s.getValue(), destination, r);
        (LinkRules.serves(s.getKey(), destination) ? served : refused).put(key, c);
      }
    }
    assertEquals(7, served.size(), "LinkRules.serves, as the suite reads it");
    awaitUntil(
        "every served destination opens",
        () -> served.values().stream().allMatch(c -> c.current().isPresent()));
    for (String key : served.keySet()) {
      String stage = key.substring(key.indexOf(" at ") + 4);
      assertEquals(stage, served.get(key).current().orElseThrow().peer().stage(), key);
    }
    int acceptedNode2 = node2Side.opened.size();
    int acceptedGeneric = genericSide.opened.size();
    holds(
        "refused destinations never open, on either side",
        () ->
            refused.keySet().stream()
                    .allMatch(
                        k -> refused.get(k).current().isEmpty() && handlers.get(k).opened.isEmpty())
                && node2Side.opened.size() == acceptedNode2
                && genericSide.opened.size() == acceptedGeneric);
    assertEquals(
        3, acceptedNode2, "'', 'sandbox-manager' and 'sandbox-manager/node-2' reach node-2");
    assertEquals(
        4, acceptedGeneric, "'', 'sandbox-manager' and both instances reach the generic stage");
  }

  @Test
  public void linkServerCloseClosesAcceptedLinksAndStopsAccepting() {
    Pair p = openPair();
    p.server.close();
    p.server.close(); // idempotent
    awaitUntil(
        "both sides closed",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
    awaitUntil("the dialler keeps trying", () -> backoff.delays.get() >= 2);
    holds(
        "nobody accepts any more",
        () -> p.client.current().isEmpty() && p.serverSide.opened.size() == 1);
  }

  @Test
  public void transportCloseClosesEverythingIsIdempotentAndRefusesNewWork() {
    Pair p = openPair();
    p.serverTransport.close();
    p.serverTransport.close();
    awaitUntil(
        "both sides closed",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
    assertThrows(
        TransportException.class, () -> p.serverTransport.listen(anyAddress(), recorder("late")));
    assertThrows(
        TransportException.class,
        () -> p.serverTransport.connect(p.address, "scheduler", recorder("late")));

    p.clientTransport.close();
    p.clientTransport.close();
    p.client.close(); // already closed by its transport: a no-op
    assertTrue(p.client.current().isEmpty());
    holds(
        "no callback after the transports closed",
        () ->
            p.serverSide.opened.size() == 1
                && p.clientSide.opened.size() == 1
                && p.serverSide.closes(p.serverLink()) == 1
                && p.clientSide.closes(p.clientLink()) == 1);
  }

  @Test
  public void aBlockedReceiverMakesTheSenderUnwritableThenOverloadedThenWritableAgain() {
    Assumptions.assumeTrue(
        signalsWritability(), "capability signalsWritability() is off for this transport");
    Recorder server = recorder("server");
    Pair p = openPair(server);
    Link link = p.clientLink();
    server.hold(); // onMessage does not return, so the acceptor grants no new credit
    int accepted = 0;
    boolean sawUnwritable = false;
    LinkException overload = null;
    try {
      while (overload == null && accepted < OVERLOAD_SEND_LIMIT) {
        sawUnwritable |= !link.isWritable();
        try {
          link.send(message(accepted + 1));
          accepted++;
        } catch (LinkException e) {
          overload = e;
        }
      }
    } finally {
      server.release();
    }
    assertNotNull(
        overload, "the bounded outbound queue refuses a message within " + OVERLOAD_SEND_LIMIT);
    assertEquals(ErrorCode.OVERLOADED, overload.code());
    assertTrue(sawUnwritable, "isWritable() turned false before send failed");
    assertTrue(link.isOpen(), "OVERLOADED does not close the link");

    int total = accepted;
    awaitUntil("every accepted message arrives", () -> server.messages.size() == total);
    for (int i = 0; i < total; i++) {
      assertEquals(
          i + 1, server.messages.get(i).getSeq(), "in order, the refused one not among them");
    }
    awaitUntil("onWritable follows", () -> p.clientSide.writables(link) >= 1 && link.isWritable());
    link.send(message(total + 1));
    awaitUntil("the link carries messages again", () -> server.messages.size() == total + 1);
  }

  // ---------------------------------------------------------------------------------------------------------
  // Lifecycle and helpers
  // ---------------------------------------------------------------------------------------------------------

  @AfterEach
  void checkCallbackInvariantsAndCloseTransports() {
    try {
      recorders.forEach(Recorder::release); // never leave a transport thread held
      List<String> violations = new ArrayList<>();
      for (Recorder r : recorders) {
        violations.addAll(r.violations);
      }
      assertTrue(violations.isEmpty(), "LinkHandler callback invariants violated: " + violations);
    } finally {
      List<Transport> all = new ArrayList<>(transports);
      Collections.reverse(all);
      for (Transport t : all) {
        t.close();
      }
    }
  }

  /** A transport for {@code stageName} that the suite closes after the test. */
  protected final Transport transport(String stageName) {
    Transport t = newTransport(stageName, backoff);
    transports.add(t);
    return t;
  }

  /** A recording handler whose invariants are checked after the test. */
  protected final Recorder recorder(String name) {
    Recorder r = new Recorder(name);
    recorders.add(r);
    return r;
  }

  private void holds(String what, BooleanSupplier condition) {
    assertTrue(condition.getAsBoolean(), what);
    assertStays(what, condition, QUIET_PERIOD);
  }

  private void checkIdentity(PeerIdentity peer, String stage) {
    assertEquals(stage, peer.stage());
    assertEquals(expectsVerifiedPeers(), peer.verified(), "verified identity");
    if (!peer.verified()) {
      assertEquals("", peer.subject(), "an unverified identity has no subject");
    }
  }

  private void closeOrderly(Pair p, Link closing) {
    closing.close();
    closing.close(); // idempotent
    awaitUntil(
        "both sides closed",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
    assertNull(p.serverSide.cause(p.serverLink()), "orderly: no cause");
    assertNull(p.clientSide.cause(p.clientLink()), "orderly: no cause");
    assertFalse(p.serverLink().isOpen());
    assertFalse(p.clientLink().isOpen());
    holds(
        "onClosed once per side",
        () -> p.serverSide.closes(p.serverLink()) == 1 && p.clientSide.closes(p.clientLink()) == 1);
  }

  /** Stage "replicaset" dialling stage "scheduler", opened on both sides. */
  protected final Pair openPair() {
    return openPair(recorder("server"));
  }

  private Pair openPair(Recorder serverSide) {
    Transport serverTransport = transport("scheduler");
    Transport clientTransport = transport("replicaset");
    Recorder clientSide = recorder("client");
    LinkServer server = serverTransport.listen(anyAddress(), serverSide);
    ClientLink client = clientTransport.connect(server.localAddress(), "scheduler", clientSide);
    // ClientLink.current() and the onOpen callbacks are not ordered with each other: wait for all
    // three.
    awaitUntil(
        "the link opens on both sides",
        () ->
            client.current().isPresent()
                && clientSide.opened.size() == 1
                && serverSide.opened.size() == 1);
    return new Pair(
        serverTransport,
        clientTransport,
        server,
        server.localAddress(),
        client,
        serverSide,
        clientSide);
  }

  /** An open link between two transports, with both handlers. */
  protected record Pair(
      Transport serverTransport,
      Transport clientTransport,
      LinkServer server,
      PeerAddress address,
      ClientLink client,
      Recorder serverSide,
      Recorder clientSide) {

    /** The dialler's end of the first link. */
    public Link clientLink() {
      return clientSide.opened.get(0);
    }

    /** The acceptor's end of the first link. */
    public Link serverLink() {
      return serverSide.opened.get(0);
    }
  }

  /**
   * A link-level message with {@code seq}; the body kind cycles through batch, handshake and error.
   */
  protected static Envelope message(long seq) {
    Envelope.Builder b = Envelope.newBuilder().setSeq(seq).setEpoch(7);
    switch ((int) (seq % 4)) {
      case 0 ->
          b.setHandshakeRequest(
              HandshakeRequest.newBuilder().setSource("replicaset").setDestination("scheduler"));
      case 1 ->
          b.setObjectBatch(
              ObjectBatch.newBuilder()
                  .setKind("/v1/Pod")
                  .addChanges(ObjectChange.newBuilder().setName("pod-" + seq).setVersion(seq)));
      case 2 -> b.setHandshakeConfirm(HandshakeConfirm.newBuilder().setHeld((int) seq));
      default ->
          b.setError(
              io.kubedirect.protocol.v1.Error.newBuilder()
                  .setSeq(seq)
                  .setCode(ErrorCode.NOT_FOUND)
                  .setMessage("no template"));
    }
    return b.build();
  }

  /** A backoff with a constant delay that counts the policies and delays it hands out. */
  protected static final class CountingBackoff implements BackoffPolicy.Provider {
    /** Policies handed out: one per ClientLink, plus one per successful connection. */
    public final AtomicInteger policies = new AtomicInteger();

    /** Delays handed out: one per reconnect attempt. */
    public final AtomicInteger delays = new AtomicInteger();

    private final Duration delay;

    CountingBackoff(Duration delay) {
      this.delay = delay;
    }

    @Override
    public BackoffPolicy get() {
      policies.incrementAndGet();
      return () -> {
        delays.incrementAndGet();
        return delay;
      };
    }
  }

  /**
   * A thread-safe {@link LinkHandler} that records every callback per link and the violations of
   * the callback invariants; optionally acks every message, closes the link at one seq, or holds in
   * {@code onMessage}.
   */
  protected static final class Recorder implements LinkHandler {

    private static final long HOLD_LIMIT_SECONDS = 30;

    private final String name;

    /** Links in the order {@code onOpen} reported them. */
    public final List<Link> opened = new CopyOnWriteArrayList<>();

    /** Messages of all links in arrival order. */
    public final List<Envelope> messages = new CopyOnWriteArrayList<>();

    final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<Link, PerLink> links = Collections.synchronizedMap(new IdentityHashMap<>());
    volatile boolean echoAcks;
    volatile long closeAtSeq = -1;
    private volatile CountDownLatch gate;

    Recorder(String name) {
      this.name = name;
    }

    private static final class PerLink {
      final List<String> events = new CopyOnWriteArrayList<>();
      final AtomicBoolean busy = new AtomicBoolean();
      final AtomicInteger writables = new AtomicInteger();
      volatile int closes;
      volatile LinkException cause;
    }

    private PerLink enter(Link link, String event) {
      PerLink l = links.computeIfAbsent(link, k -> new PerLink());
      if (!l.busy.compareAndSet(false, true)) {
        violations.add(name + ": overlapping callbacks on " + link.id() + " at " + event);
      }
      if (l.events.isEmpty() && !event.equals("open")) {
        violations.add(name + ": " + event + " before onOpen on " + link.id());
      }
      if (l.closes > 0) {
        violations.add(name + ": " + event + " after onClosed on " + link.id());
      }
      l.events.add(event);
      return l;
    }

    private static void exit(PerLink l) {
      l.busy.set(false);
    }

    @Override
    public void onOpen(Link link) {
      PerLink l = enter(link, "open");
      opened.add(link);
      exit(l);
    }

    @Override
    public void onMessage(Link link, Envelope message) {
      PerLink l = enter(link, "msg " + message.getSeq());
      try {
        CountDownLatch g = gate;
        if (g != null) {
          try {
            if (!g.await(HOLD_LIMIT_SECONDS, TimeUnit.SECONDS)) {
              violations.add(
                  name + ": held in onMessage for more than " + HOLD_LIMIT_SECONDS + " s");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        messages.add(message);
        if (echoAcks) {
          link.send(
              Envelope.newBuilder().setAck(Ack.newBuilder().setSeq(message.getSeq())).build());
        }
        if (message.getSeq() == closeAtSeq) {
          link.close();
        }
      } finally {
        exit(l);
      }
    }

    @Override
    public void onWritable(Link link) {
      PerLink l = enter(link, "writable");
      l.writables.incrementAndGet();
      exit(l);
    }

    @Override
    public void onClosed(Link link, LinkException cause) {
      PerLink l = enter(link, "closed");
      l.cause = cause;
      l.closes++;
      exit(l);
    }

    /** From now on {@code onMessage} does not return until {@link #release()}. */
    void hold() {
      gate = new CountDownLatch(1);
    }

    void release() {
      CountDownLatch g = gate;
      gate = null;
      if (g != null) {
        g.countDown();
      }
    }

    /** How many times {@code onClosed} came for {@code link}. */
    public int closes(Link link) {
      PerLink l = links.get(link);
      return l == null ? 0 : l.closes;
    }

    /** The cause {@code onClosed} reported for {@code link} (null: orderly, or not closed). */
    public LinkException cause(Link link) {
      PerLink l = links.get(link);
      return l == null ? null : l.cause;
    }

    /** How many times {@code onWritable} came for {@code link}. */
    public int writables(Link link) {
      PerLink l = links.get(link);
      return l == null ? 0 : l.writables.get();
    }

    /**
     * The callbacks of {@code link}: {@code open}, {@code msg <seq>}, {@code writable}, {@code
     * closed}.
     */
    public List<String> events(Link link) {
      PerLink l = links.get(link);
      return l == null ? List.of() : List.copyOf(l.events);
    }

    @Override
    public String toString() {
      return "Recorder[" + name + "]";
    }
  }
}
