package io.kubedirect.examples.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Where and when a benchmark ran: processors, load averages ({@code /proc/loadavg}, as {@code
 * uptime} shows them), OS and Java.
 *
 * @param time when the reading was taken (UTC)
 * @param processors available processors
 * @param loadAverage the 1, 5 and 15 minute load averages ("unknown" off Linux)
 * @param os operating system name and version
 * @param java the Java runtime version
 */
public record Machine(String time, int processors, String loadAverage, String os, String java) {

  /** Reads the machine now. */
  public static Machine now() {
    String load;
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      load = parts[0] + " " + parts[1] + " " + parts[2];
    } catch (IOException | RuntimeException e) {
      load = "unknown";
    }
    return new Machine(
        Instant.now().toString(),
        Runtime.getRuntime().availableProcessors(),
        load,
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        System.getProperty("java.version"));
  }
}
