package io.kubedirect.transport.netty;

import java.util.Locale;

/**
 * The I/O mechanism under the event loops. {@link #AUTO} picks io_uring when the kernel allows it,
 * else epoll, else NIO. The system property {@value #PROPERTY} ({@code io_uring}, {@code epoll},
 * {@code nio}) forces one when the builder did not choose.
 */
public enum IoBackend {
  /** The best available: io_uring, then epoll, then NIO. */
  AUTO,
  /** Linux io_uring (native). */
  IO_URING,
  /** Linux epoll (native). */
  EPOLL,
  /** Java NIO selectors: always available. */
  NIO;

  /**
   * System property that forces a backend: {@code io_uring}, {@code epoll}, {@code nio} or {@code
   * auto}.
   */
  public static final String PROPERTY = "kubedirect.transport.io";

  /** Whether this backend can be used in this process. */
  public boolean isAvailable() {
    return EventLoops.isAvailable(this);
  }

  /** Parses a backend name as used by {@value #PROPERTY}. */
  public static IoBackend parse(String name) {
    String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
    return switch (n) {
      case "auto", "" -> AUTO;
      case "io_uring", "iouring", "uring" -> IO_URING;
      case "epoll" -> EPOLL;
      case "nio" -> NIO;
      default -> throw new IllegalArgumentException("unknown I/O backend '" + name + "'");
    };
  }
}
