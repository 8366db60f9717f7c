package io.kubedirect.examples.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HtmlReportTest {

  @TempDir Path dir;

  @Test
  void writesAnIndexThatEscapesTextAndReferencesImagesByFileName() throws Exception {
    Path index =
        new HtmlReport("a <b> & c")
            .heading("Times")
            .preformatted("p50 < 1s")
            .image(dir.resolve("charts/ready.png"), "ready \"over\" time")
            .write(dir);
    String html = Files.readString(index);
    assertThat(index).isEqualTo(dir.resolve("index.html"));
    assertThat(html)
        .contains(
            "<title>a &lt;b&gt; &amp; c</title>",
            "<h2>Times</h2>",
            "<pre>p50 &lt; 1s</pre>",
            "<img src=\"ready.png\" alt=\"ready &quot;over&quot; time\"");
  }
}
