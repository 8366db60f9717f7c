package io.kubedirect.examples.faas.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PodNamerTest {

  @Test
  void namesAreOwnerDashSuffixFromTheKubernetesAlphabet() {
    String name = new PodNamer().next("fn-a");
    assertThat(name).startsWith("fn-a-").hasSize("fn-a-".length() + 10);
    assertThat(name.substring(5)).matches("[" + PodNamer.ALPHABET + "]{10}");
  }

  @Test
  void tenThousandNamesAreUnique() {
    PodNamer namer = new PodNamer();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(seen.add(namer.next("rs"))).isTrue();
    }
  }

  @Test
  void skipsNamesThePredicateRejects() {
    // Two namers with the same seed produce the same sequence; reject the first name, expect the
    // second.
    PodNamer probe = new PodNamer(5, new Random(7));
    String first = probe.next("rs");
    String second = probe.next("rs");
    PodNamer namer = new PodNamer(5, new Random(7));
    assertThat(namer.next("rs", first::equals)).isEqualTo(second);
  }

  @Test
  void longOwnerNamesAreTruncatedToAValidLabel() {
    String owner = "x".repeat(100);
    assertThat(new PodNamer().next(owner)).hasSizeLessThanOrEqualTo(63);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new PodNamer(4, null)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PodNamer().next("")).isInstanceOf(IllegalArgumentException.class);
  }
}
