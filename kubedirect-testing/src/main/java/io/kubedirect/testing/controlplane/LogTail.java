package io.kubedirect.testing.controlplane;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Reads the last lines of a (possibly large, possibly growing) log file. */
final class LogTail {
  /** At most this many bytes are read from the end of the file. */
  static final int MAX_BYTES = 64 * 1024;

  private LogTail() {}

  /** Returns the last {@code lines} lines of the file, or a note if it cannot be read. */
  static String tail(Path file, int lines) {
    if (!Files.isRegularFile(file)) {
      return "(no log file " + file + ")";
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long len = raf.length();
      int n = (int) Math.min(len, MAX_BYTES);
      byte[] buf = new byte[n];
      raf.seek(len - n);
      raf.readFully(buf);
      return lastLines(new String(buf, StandardCharsets.UTF_8), lines);
    } catch (IOException e) {
      return "(could not read " + file + ": " + e + ")";
    }
  }

  /** Returns the last {@code lines} lines of {@code text} (trailing newline ignored). */
  static String lastLines(String text, int lines) {
    if (lines <= 0 || text.isEmpty()) {
      return "";
    }
    List<String> all = Arrays.asList(text.split("\r?\n", -1));
    int end = all.size();
    if (end > 0 && all.get(end - 1).isEmpty()) {
      end--;
    }
    int start = Math.max(0, end - lines);
    return String.join("\n", all.subList(start, end));
  }
}
