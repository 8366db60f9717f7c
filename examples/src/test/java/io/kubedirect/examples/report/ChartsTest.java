package io.kubedirect.examples.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChartsTest {

  @TempDir Path dir;

  @Test
  void countOverTimeDrawsOneColouredLinePerSeries() throws Exception {
    Map<String, List<Double>> ready = new LinkedHashMap<>();
    ready.put("plain", List.of(0.5, 0.2, 1.5));
    ready.put("direct", List.of(0.1, 0.3));
    Path png = Charts.countOverTime(dir.resolve("sub/ready.png"), "Pods Ready", "s", "pods", ready);
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image.getWidth()).isEqualTo(900);
    assertThat(image.getHeight()).isEqualTo(500);
    assertThat(distinctColours(image)).as("lines and text, not a blank image").isGreaterThan(10);
  }

  @Test
  void cdfAndBarsRender() throws Exception {
    Path cdf =
        Charts.cdf(dir.resolve("cdf.png"), "delay", "s", Map.of("direct", List.of(0.3, 0.1, 0.2)));
    Path bars =
        Charts.bars(
            dir.resolve("bars.png"),
            "p90",
            "s",
            List.of("plain", "direct"),
            Map.of("p90", List.of(5.8, 0.4)));
    assertThat(distinctColours(ImageIO.read(cdf.toFile()))).isGreaterThan(10);
    assertThat(distinctColours(ImageIO.read(bars.toFile()))).isGreaterThan(10);
  }

  private static long distinctColours(BufferedImage image) {
    java.util.Set<Integer> colours = new java.util.HashSet<>();
    for (int x = 0; x < image.getWidth(); x += 3) {
      for (int y = 0; y < image.getHeight(); y += 3) {
        colours.add(image.getRGB(x, y));
      }
    }
    return colours.size();
  }
}
