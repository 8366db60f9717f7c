package io.kubedirect.testing.controlplane;

import java.nio.file.Path;

/** Renders the admin kubeconfig of a local control plane. Pure. */
final class Kubeconfigs {
  private Kubeconfigs() {}

  static String render(String server, Path caFile, String user, String token) {
    return "apiVersion: v1\n"
        + "kind: Config\n"
        + "clusters:\n"
        + "- name: kubedirect-local\n"
        + "  cluster:\n"
        + "    server: "
        + quote(server)
        + "\n"
        + "    certificate-authority: "
        + quote(caFile.toAbsolutePath().toString())
        + "\n"
        + "users:\n"
        + "- name: "
        + quote(user)
        + "\n"
        + "  user:\n"
        + "    token: "
        + quote(token)
        + "\n"
        + "contexts:\n"
        + "- name: kubedirect-local\n"
        + "  context:\n"
        + "    cluster: kubedirect-local\n"
        + "    user: "
        + quote(user)
        + "\n"
        + "current-context: kubedirect-local\n";
  }

  /** YAML double-quoted scalar. */
  static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
