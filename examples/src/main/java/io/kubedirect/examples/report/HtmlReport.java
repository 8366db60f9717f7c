package io.kubedirect.examples.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/**
 * A one-page HTML report: a title, then sections of text, preformatted tables and images (next to
 * the page, referenced by file name). Build it, then {@link #write(Path)}.
 */
public final class HtmlReport {

  private final String title;
  private final List<String> body = new ArrayList<>();

  /** A report titled {@code title}. */
  public HtmlReport(String title) {
    this.title = title;
  }

  /** A section heading. */
  public HtmlReport heading(String text) {
    body.add("<h2>" + escape(text) + "</h2>");
    return this;
  }

  /** A paragraph. */
  public HtmlReport paragraph(String text) {
    body.add("<p>" + escape(text) + "</p>");
    return this;
  }

  /** Preformatted text, e.g. a fixed-width table. */
  public HtmlReport preformatted(String text) {
    body.add("<pre>" + escape(text) + "</pre>");
    return this;
  }

  /** An image in the report's directory ({@code png} is referenced by its file name). */
  public HtmlReport image(Path png, String alt) {
    body.add(
        "<p><img src=\""
            + escape(png.getFileName().toString())
            + "\" alt=\""
            + escape(alt)
            + "\" style=\"max-width:100%\"></p>");
    return this;
  }

  /** Writes {@code index.html} into {@code dir} (created if needed) and returns its path. */
  public Path write(Path dir) throws IOException {
    Files.createDirectories(dir);
    StringBuilder sb = new StringBuilder();
    sb.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(escape(title))
        .append(
            "</title>\n<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em}"
                + "pre{background:#f6f8fa;padding:1em;overflow-x:auto}</style></head><body>\n");
    sb.append("<h1>").append(escape(title)).append("</h1>\n");
    sb.append("<p>")
        .append(
            escape(
                OffsetDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_DATE_TIME)))
        .append(" UTC</p>\n");
    body.forEach(line -> sb.append(line).append('\n'));
    sb.append("</body></html>\n");
    Path index = dir.resolve("index.html");
    Files.writeString(index, sb.toString(), StandardCharsets.UTF_8);
    return index;
  }

  static String escape(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }
}
