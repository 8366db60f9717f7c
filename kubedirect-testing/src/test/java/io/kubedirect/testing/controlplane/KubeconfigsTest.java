package io.kubedirect.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.util.KubeConfig;
import java.io.StringReader;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubeconfigsTest {
  @Test
  void rendersAKubeconfigThatClientJavaLoads() {
    String yaml =
        Kubeconfigs.render(
            "https://127.0.0.1:6443", Path.of("/w/pki/apiserver.crt"), "admin", "s3cr\"t");
    KubeConfig kc = KubeConfig.loadKubeConfig(new StringReader(yaml));
    assertThat(kc.getCurrentContext()).isEqualTo("kubedirect-local");
    assertThat(kc.getServer()).isEqualTo("https://127.0.0.1:6443");
    assertThat(kc.getCertificateAuthorityFile()).isEqualTo("/w/pki/apiserver.crt");
    @SuppressWarnings("unchecked")
    Map<String, Object> user =
        (Map<String, Object>)
            kc.getUsers().stream()
                .map(u -> (Map<String, Object>) u)
                .filter(u -> "admin".equals(u.get("name")))
                .findFirst()
                .orElseThrow()
                .get("user");
    assertThat(user.get("token")).isEqualTo("s3cr\"t");
  }

  @Test
  void quotesYamlScalars() {
    assertThat(Kubeconfigs.quote("a\\b\"c")).isEqualTo("\"a\\\\b\\\"c\"");
  }
}
