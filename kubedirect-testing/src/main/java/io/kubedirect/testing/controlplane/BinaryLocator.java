package io.kubedirect.testing.controlplane;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Finds the control-plane binaries. Order: system property {@value #BIN_DIR_PROPERTY}, environment
 * variable {@value #BIN_DIR_ENV}, else {@code ~/.cache/kubedirect/k8s-v1.36.3-etcd-v3.6.16/bin}
 * (the default output directory of {@code hack/build-control-plane.sh}; keep the two in sync).
 * Blank values count as unset.
 */
public final class BinaryLocator {
  /** System property naming the binary directory. */
  public static final String BIN_DIR_PROPERTY = "kubedirect.binDir";

  /** Environment variable naming the binary directory (also read by the build script). */
  public static final String BIN_DIR_ENV = "KUBEDIRECT_BIN_DIR";

  /** Kubernetes version the default directory is named after. */
  public static final String KUBERNETES_VERSION = "v1.36.3";

  /** etcd version the default directory is named after. */
  public static final String ETCD_VERSION = "v3.6.16";

  /**
   * Directory under the user cache dir, relative to the home directory when XDG_CACHE_HOME is
   * unset.
   */
  public static final String DEFAULT_RELATIVE_DIR =
      ".cache/kubedirect/k8s-" + KUBERNETES_VERSION + "-etcd-" + ETCD_VERSION + "/bin";

  /** Where a binary directory came from. */
  public record Location(Path dir, String source) {
    /**
     * Validates the location.
     *
     * @param dir the directory
     * @param source human-readable origin, used in error messages
     */
    public Location {
      Objects.requireNonNull(dir, "dir");
      Objects.requireNonNull(source, "source");
    }
  }

  private BinaryLocator() {}

  /**
   * Resolves the binary directory from the running JVM's system properties and environment.
   *
   * @return the chosen directory and where it came from
   */
  public static Location locate() {
    return locate(System::getProperty, System.getenv(), Path.of(System.getProperty("user.home")));
  }

  /**
   * Resolves the binary directory from the given sources (pure; used by tests).
   *
   * @param systemProperties lookup of system properties
   * @param env the environment
   * @param home the user's home directory
   * @return the chosen directory and where it came from
   */
  public static Location locate(
      UnaryOperator<String> systemProperties, Map<String, String> env, Path home) {
    String prop = systemProperties.apply(BIN_DIR_PROPERTY);
    if (prop != null && !prop.isBlank()) {
      return new Location(Path.of(prop.trim()), "system property " + BIN_DIR_PROPERTY);
    }
    String fromEnv = env.get(BIN_DIR_ENV);
    if (fromEnv != null && !fromEnv.isBlank()) {
      return new Location(Path.of(fromEnv.trim()), "environment variable " + BIN_DIR_ENV);
    }
    String xdg = env.get("XDG_CACHE_HOME");
    Path dir =
        xdg != null && !xdg.isBlank()
            ? Path.of(xdg.trim()).resolve(DEFAULT_RELATIVE_DIR.substring(".cache/".length()))
            : home.resolve(DEFAULT_RELATIVE_DIR);
    return new Location(dir, "default location of hack/build-control-plane.sh");
  }

  /**
   * Checks that every component's executable exists in the location.
   *
   * @param location where to look
   * @param components the components that will be started
   * @return the location, for chaining
   * @throws MissingBinariesException if any executable is absent or not executable
   */
  public static Location require(Location location, Collection<Component> components) {
    List<String> missing = new ArrayList<>();
    for (Component c : components) {
      Path p = location.dir().resolve(c.binaryName());
      if (!Files.isRegularFile(p) || !Files.isExecutable(p)) {
        missing.add(c.binaryName());
      }
    }
    if (!missing.isEmpty()) {
      throw new MissingBinariesException(location.dir(), location.source(), missing);
    }
    return location;
  }
}
