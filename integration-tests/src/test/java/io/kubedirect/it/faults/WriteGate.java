package io.kubedirect.it.faults;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.Interceptor;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An OkHttp interceptor on one sandbox manager's API client that can hold its pod writes (any
 * non-GET request on a {@code pods} resource: the write-back's creates and status updates, the
 * final deletes). Reads and watches always pass, so the stage keeps seeing the cluster; it models
 * an API Server that does not answer the tail's writes for a while, which keeps a burst in the
 * stages' memory only.
 *
 * <p>{@link #hold()} makes new pod writes wait (the calling thread blocks, as on a slow API
 * Server); {@link #open()} lets them through; {@link #drop()} fails held and new ones with an
 * {@link IOException} without sending them (the process that issued them is being killed: they
 * never reach the API Server).
 */
final class WriteGate implements Interceptor {

  enum Mode {
    OPEN,
    HOLD,
    DROP
  }

  private static final long MAX_HOLD_MS = TimeUnit.MINUTES.toMillis(3);

  private final String name;
  private volatile Mode mode = Mode.OPEN;
  private final AtomicInteger held = new AtomicInteger();
  private final AtomicInteger passed = new AtomicInteger();
  private final AtomicInteger dropped = new AtomicInteger();
  private final AtomicInteger rejected = new AtomicInteger();

  WriteGate(String name) {
    this.name = name;
  }

  synchronized void hold() {
    mode = Mode.HOLD;
  }

  synchronized void open() {
    mode = Mode.OPEN;
    notifyAll();
  }

  synchronized void drop() {
    mode = Mode.DROP;
    notifyAll();
  }

  Mode mode() {
    return mode;
  }

  /** Pod writes waiting at the gate now. */
  int held() {
    return held.get();
  }

  /** Pod writes let through so far. */
  int passed() {
    return passed.get();
  }

  /** Pod writes failed without being sent. */
  int dropped() {
    return dropped.get();
  }

  /** Pod creates the API Server answered 403 or 422 (admission or validation rejected them). */
  int rejected() {
    return rejected.get();
  }

  static boolean isPodWrite(Request r) {
    if ("GET".equals(r.method())) {
      return false;
    }
    for (String segment : r.url().pathSegments()) {
      if ("pods".equals(segment)) {
        return true;
      }
    }
    return false;
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    if (!isPodWrite(request)) {
      return chain.proceed(request);
    }
    awaitPass(request);
    passed.incrementAndGet();
    Response response = chain.proceed(request);
    if ("POST".equals(request.method()) && (response.code() == 403 || response.code() == 422)) {
      rejected.incrementAndGet();
    }
    return response;
  }

  private synchronized void awaitPass(Request request) throws IOException {
    long deadline = System.currentTimeMillis() + MAX_HOLD_MS;
    held.incrementAndGet();
    try {
      while (mode == Mode.HOLD) {
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          break; // never hold forever: a forgotten gate must not hang the run
        }
        try {
          wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          dropped.incrementAndGet();
          throw new InterruptedIOException("gate " + name + ": interrupted while held");
        }
      }
      if (mode == Mode.DROP) {
        dropped.incrementAndGet();
        throw new IOException(
            "gate "
                + name
                + ": "
                + request.method()
                + " "
                + request.url().encodedPath()
                + " dropped (the stage is being killed)");
      }
    } finally {
      held.decrementAndGet();
    }
  }
}
