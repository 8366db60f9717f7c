package io.kubedirect.examples.knative.autoscaler;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Loads transcribed test cases: {@code {"cases": [...]}} files from a test-resource folder and an
 * optional folder.
 */
public final class KpaCases {

  /** System property naming an extra folder of case files (empty or unset: none). */
  public static final String CASES_DIR_PROPERTY = "kpa.cases.dir";

  private KpaCases() {}

  /** A case and the file it came from. */
  public record Case(String id, JsonObject json, String file) {}

  /**
   * Every case of {@code kind} in the resource folder {@code resourceDir} and in {@code
   * -Dkpa.cases.dir}.
   */
  public static List<Case> load(String resourceDir, String kind) {
    List<Path> files = new ArrayList<>(jsonFiles(resourceFolder(resourceDir)));
    String extra = System.getProperty(CASES_DIR_PROPERTY, "").trim();
    if (!extra.isEmpty() && !extra.startsWith("${")) {
      Path dir = Paths.get(extra);
      if (!Files.isDirectory(dir)) {
        throw new IllegalArgumentException(CASES_DIR_PROPERTY + " is not a directory: " + dir);
      }
      files.addAll(jsonFiles(dir));
    }
    List<Case> cases = new ArrayList<>();
    for (Path f : files) {
      JsonObject doc;
      try {
        doc = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (!doc.has("cases")) {
        continue;
      }
      for (JsonElement e : doc.getAsJsonArray("cases")) {
        JsonObject c = e.getAsJsonObject();
        if (c.has("kind") && kind.equals(c.get("kind").getAsString())) {
          cases.add(new Case(c.get("id").getAsString(), c, f.getFileName().toString()));
        }
      }
    }
    return cases;
  }

  private static Path resourceFolder(String resourceDir) {
    URL url = KpaCases.class.getClassLoader().getResource(resourceDir);
    if (url == null) {
      throw new IllegalStateException("missing test resource folder " + resourceDir);
    }
    try {
      return Paths.get(url.toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Path> jsonFiles(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A member as double, or {@code dflt} if absent or null. */
  public static double num(JsonObject o, String name, double dflt) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? dflt : e.getAsDouble();
  }

  /** A member as boolean, or {@code dflt} if absent or null. */
  public static boolean bool(JsonObject o, String name, boolean dflt) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? dflt : e.getAsBoolean();
  }

  /** A member as string, or {@code dflt} if absent or null. */
  public static String str(JsonObject o, String name, String dflt) {
    JsonElement e = o.get(name);
    return e == null || e.isJsonNull() ? dflt : e.getAsString();
  }
}
