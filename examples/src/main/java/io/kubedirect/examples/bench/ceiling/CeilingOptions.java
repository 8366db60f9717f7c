package io.kubedirect.examples.bench.ceiling;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Command-line options of {@link WriteCeiling}.
 *
 * @param pods pods created (and then given a Ready status) per combination
 * @param warmupPods pods written once per content type before the sweep (JIT, connections)
 * @param concurrency the writer counts to sweep
 * @param contentTypes the request/answer encodings to sweep
 * @param statusWrites how the status is written (sweep)
 * @param watchers plain pod watches kept open during the sweep (each write is fanned out to them,
 *     as to the informers of a running slice)
 * @param out where the JSON result is written
 */
public record CeilingOptions(
    int pods,
    int warmupPods,
    List<Integer> concurrency,
    List<ContentType> contentTypes,
    List<StatusWrite> statusWrites,
    int watchers,
    Path out) {

  /** The encoding of the requests and answers. */
  public enum ContentType {
    /** {@code application/json}: client-java's models and Gson, as controllers use by default. */
    JSON("json"),
    /** {@code application/vnd.kubernetes.protobuf}: client-java's generated protobuf messages. */
    PROTOBUF("protobuf"),
    /**
     * JSON through kubedirect's write-back queue with as many write-back threads as writers, as the
     * tail writes: create, then the status patch (the status column is ignored: always a patch).
     */
    WRITE_BACK("write-back");

    private final String flag;

    ContentType(String flag) {
      this.flag = flag;
    }

    /** The name used on the command line and in the result. */
    public String flag() {
      return flag;
    }
  }

  /** How the status is written after the create. */
  public enum StatusWrite {
    /**
     * A JSON patch replacing {@code /status} (no resourceVersion, no read), as client-java's {@code
     * GenericKubernetesApi.updateStatus} sends it; with protobuf the answer is protobuf (a patch
     * body is always JSON).
     */
    PATCH("patch"),
    /**
     * A PUT of the created object with its status set, the create's resourceVersion as precondition
     * (no read).
     */
    PUT("put");

    private final String flag;

    StatusWrite(String flag) {
      this.flag = flag;
    }

    /** The name used on the command line and in the result. */
    public String flag() {
      return flag;
    }
  }

  /** Usage text. */
  public static final String USAGE =
      String.join(
          "\n",
          "Usage: WriteCeiling [--pods N] [--warmup N] [--concurrency 1,4,16,...]",
          "                    [--content-types json,protobuf] [--status patch,put]",
          "                    [--watchers N] [--out FILE]",
          "Starts a fresh local control plane (etcd + kube-apiserver) and, for every combination of",
          "content type, status write and concurrency, creates N pods with C concurrent writers, each",
          "pod created and then its status set Ready (2 writes per pod, as the kubedirect tail writes",
          "back). Prints writes/s per combination and writes a JSON result.",
          "  --pods N            pods per combination (default 1000)",
          "  --warmup N          pods written per content type before the sweep (default 200)",
          "  --concurrency LIST  concurrent writers to sweep (default 1,2,4,8,16,32,64)",
          "  --content-types L   json, protobuf, write-back (json through kubedirect's write-back",
          "                      queue, as the tail writes; status always a patch) (default all three)",
          "  --status LIST       patch (JSON patch of /status, no read), put (PUT with the create's",
          "                      resourceVersion) (default patch)",
          "  --watchers N        pod watches held open during the sweep (default 0)",
          "  --out FILE          JSON result (default target/write-ceiling.json)");

  /** Parses the command line; throws IllegalArgumentException with a clear message. */
  public static CeilingOptions parse(String... args) {
    int pods = 1000;
    int warmup = 200;
    List<Integer> concurrency = List.of(1, 2, 4, 8, 16, 32, 64);
    List<ContentType> contentTypes =
        List.of(ContentType.JSON, ContentType.PROTOBUF, ContentType.WRITE_BACK);
    List<StatusWrite> status = List.of(StatusWrite.PATCH);
    int watchers = 0;
    Path out = Path.of("target", "write-ceiling.json");
    for (int i = 0; i < args.length; i++) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(flag + " needs a value");
      }
      String value = args[++i];
      switch (flag) {
        case "--pods" -> pods = positive(flag, value);
        case "--warmup" -> warmup = atLeastZero(flag, value);
        case "--concurrency" -> {
          List<Integer> c = new ArrayList<>();
          for (String s : list(flag, value)) {
            c.add(positive(flag, s));
          }
          concurrency = List.copyOf(c);
        }
        case "--content-types" -> {
          List<ContentType> c = new ArrayList<>();
          for (String s : list(flag, value)) {
            c.add(pick(flag, s, ContentType.values(), ContentType::flag));
          }
          contentTypes = List.copyOf(c);
        }
        case "--status" -> {
          List<StatusWrite> c = new ArrayList<>();
          for (String s : list(flag, value)) {
            c.add(pick(flag, s, StatusWrite.values(), StatusWrite::flag));
          }
          status = List.copyOf(c);
        }
        case "--watchers" -> watchers = atLeastZero(flag, value);
        case "--out" -> {
          if (value.isBlank()) {
            throw new IllegalArgumentException("--out needs a file name");
          }
          out = Path.of(value);
        }
        default -> throw new IllegalArgumentException("unknown option " + flag);
      }
    }
    return new CeilingOptions(pods, warmup, concurrency, contentTypes, status, watchers, out);
  }

  private static List<String> list(String flag, String value) {
    List<String> items = new ArrayList<>();
    for (String s : value.split(",")) {
      if (!s.isBlank()) {
        items.add(s.trim());
      }
    }
    if (items.isEmpty()) {
      throw new IllegalArgumentException(flag + " needs at least one value, got '" + value + "'");
    }
    return items;
  }

  private static <T> T pick(
      String flag, String value, T[] values, java.util.function.Function<T, String> name) {
    List<String> names = new ArrayList<>();
    for (T v : values) {
      if (name.apply(v).equals(value.toLowerCase(Locale.ROOT))) {
        return v;
      }
      names.add(name.apply(v));
    }
    throw new IllegalArgumentException(
        flag + ": unknown value '" + value + "' (one of " + String.join(", ", names) + ")");
  }

  private static int positive(String flag, String value) {
    int n = integer(flag, value);
    if (n < 1) {
      throw new IllegalArgumentException(flag + " must be at least 1, got " + n);
    }
    return n;
  }

  private static int atLeastZero(String flag, String value) {
    int n = integer(flag, value);
    if (n < 0) {
      throw new IllegalArgumentException(flag + " must not be negative, got " + n);
    }
    return n;
  }

  private static int integer(String flag, String value) {
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + " needs a whole number, got '" + value + "'");
    }
  }
}
