package io.kubedirect.testing.controlplane;

import java.nio.file.Path;
import java.util.List;

/**
 * The control-plane binaries (etcd, kube-apiserver, ...) are not where the launcher looks for them.
 * The message says where it looked and how to build them ({@code hack/build-control-plane.sh}).
 */
public final class MissingBinariesException extends ControlPlaneException {
  private static final long serialVersionUID = 1L;

  private final transient Path binDir;
  private final List<String> missing;

  /**
   * Creates the exception.
   *
   * @param binDir the directory that was searched
   * @param source how that directory was chosen (system property, environment variable or default)
   * @param missing the binary names that are absent or not executable
   */
  public MissingBinariesException(Path binDir, String source, List<String> missing) {
    super(
        "Kubernetes control-plane binaries "
            + missing
            + " not found (or not executable) in "
            + binDir
            + " ("
            + source
            + "). Build them with ./hack/build-control-plane.sh (needs Go 1.26+), or point "
            + BinaryLocator.BIN_DIR_PROPERTY
            + " / "
            + BinaryLocator.BIN_DIR_ENV
            + " at a directory that holds etcd and kube-apiserver v1.36.x.");
    this.binDir = binDir;
    this.missing = List.copyOf(missing);
  }

  /**
   * Returns the directory that was searched.
   *
   * @return the binary directory
   */
  public Path binDir() {
    return binDir;
  }

  /**
   * Returns the binaries that were not found.
   *
   * @return binary file names
   */
  public List<String> missing() {
    return missing;
  }
}
