package io.kubedirect.testing.controlplane;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LogTailTest {
  @Test
  void lastLinesIgnoresTrailingNewline() {
    assertThat(LogTail.lastLines("a\nb\nc\n", 2)).isEqualTo("b\nc");
    assertThat(LogTail.lastLines("a\r\nb", 5)).isEqualTo("a\nb");
    assertThat(LogTail.lastLines("", 3)).isEmpty();
    assertThat(LogTail.lastLines("a\nb", 0)).isEmpty();
  }

  @Test
  void tailsLargeFilesFromTheEnd(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("big.log");
    String text =
        IntStream.range(0, 50_000).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"));
    Files.writeString(f, text + "\n");
    assertThat(Files.size(f)).isGreaterThan(LogTail.MAX_BYTES);
    assertThat(LogTail.tail(f, 3)).isEqualTo("line 49997\nline 49998\nline 49999");
  }

  @Test
  void missingFileIsReportedNotThrown(@TempDir Path dir) {
    assertThat(LogTail.tail(dir.resolve("nope.log"), 3)).contains("no log file");
  }
}
