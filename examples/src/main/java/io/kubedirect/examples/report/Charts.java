package io.kubedirect.examples.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG charts of the reports: counts over time, a CDF, grouped bars. Headless (no display needed).
 */
public final class Charts {

  private static final int WIDTH = 900;
  private static final int HEIGHT = 500;

  static {
    System.setProperty("java.awt.headless", "true");
  }

  private Charts() {}

  /**
   * A step chart of how many events happened by each time, one series per name: e.g. pods Ready
   * over the seconds since the scale request. {@code eventSeconds} need not be sorted.
   */
  public static Path countOverTime(
      Path png, String title, String xTitle, String yTitle, Map<String, List<Double>> eventSeconds)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle(yTitle)
            .build();
    style(chart.getStyler());
    for (Map.Entry<String, List<Double>> e : eventSeconds.entrySet()) {
      List<Double> times = new ArrayList<>(e.getValue());
      Collections.sort(times);
      List<Double> xs = new ArrayList<>();
      List<Double> ys = new ArrayList<>();
      xs.add(0.0);
      ys.add(0.0);
      for (int i = 0; i < times.size(); i++) {
        xs.add(times.get(i));
        ys.add((double) i);
        xs.add(times.get(i));
        ys.add((double) i + 1);
      }
      XYSeries s = chart.addSeries(e.getKey(), xs, ys);
      s.setMarker(SeriesMarkers.NONE);
    }
    return write(chart, png);
  }

  /** The empirical CDF of {@code values} per name (e.g. per-function delay). */
  public static Path cdf(Path png, String title, String xTitle, Map<String, List<Double>> values)
      throws IOException {
    XYChart chart =
        new XYChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .xAxisTitle(xTitle)
            .yAxisTitle("fraction")
            .build();
    style(chart.getStyler());
    chart.getStyler().setYAxisMin(0.0).setYAxisMax(1.0).setYAxisDecimalPattern("0.0");
    for (Map.Entry<String, List<Double>> e : values.entrySet()) {
      List<Double> sorted = new ArrayList<>(e.getValue());
      Collections.sort(sorted);
      List<Double> ys = new ArrayList<>();
      for (int i = 0; i < sorted.size(); i++) {
        ys.add((i + 1) / (double) sorted.size());
      }
      if (!sorted.isEmpty()) {
        chart.addSeries(e.getKey(), sorted, ys).setMarker(SeriesMarkers.NONE);
      }
    }
    return write(chart, png);
  }

  /** Grouped bars: one group per category, one bar per series name (e.g. p50/p90 per variant). */
  public static Path bars(
      Path png,
      String title,
      String yTitle,
      List<String> categories,
      Map<String, List<Double>> series)
      throws IOException {
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(WIDTH)
            .height(HEIGHT)
            .title(title)
            .yAxisTitle(yTitle)
            .build();
    style(chart.getStyler());
    chart.getStyler().setXAxisLabelRotation(15); // long stage names stay apart
    series.forEach((name, ys) -> chart.addSeries(name, categories, ys));
    return write(chart, png);
  }

  private static void style(AxesChartStyler s) {
    s.setLegendPosition(Styler.LegendPosition.InsideNW);
    s.setChartBackgroundColor(java.awt.Color.WHITE);
    s.setPlotGridLinesVisible(true);
  }

  private static Path write(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path png)
      throws IOException {
    Files.createDirectories(png.toAbsolutePath().getParent());
    BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    return png;
  }
}
