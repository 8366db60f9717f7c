package io.kubedirect.examples.bench.trace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceCsvTest {

  @TempDir Path dir;

  @Test
  void aWrittenTraceReadsBackEqual() throws Exception {
    Trace t = TraceGenerator.generate(TraceSpec.shortPreset(4));
    Path file = dir.resolve("sub/short.csv");
    t.write(file);
    List<String> lines = Files.readAllLines(file);
    assertThat(lines.get(0)).startsWith("# kubedirect-trace v1 name=short seed=4 functions=30");
    assertThat(lines.get(1)).isEqualTo("at_ms,function,execution_ms");
    assertThat(lines).hasSize(t.invocations().size() + 2);
    assertThat(Trace.read(file)).isEqualTo(t);
  }

  @Test
  void theFirstSecondsOfATraceKeepTheirFunctionsAndReadBack() throws Exception {
    Trace t = TraceGenerator.generate(TraceSpec.shortPreset(4));
    Trace head = t.firstSeconds(20);
    assertThat(head.invocations())
        .isNotEmpty()
        .isEqualTo(t.invocations().stream().filter(i -> i.atMs() < 20_000).toList());
    assertThat(head.functions()).hasSizeLessThan(t.functions().size());
    assertThat(head.countsPerFunction().values()).allMatch(n -> n >= 1);
    Path file = dir.resolve("head.csv");
    head.write(file);
    assertThat(Trace.read(file)).isEqualTo(head);
    assertThatThrownBy(() -> t.firstSeconds(0)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void malformedFilesAreRefusedNamingTheLine() throws Exception {
    Trace t = TraceGenerator.generate(TraceSpec.shortPreset(4));
    Path good = dir.resolve("good.csv");
    t.write(good);
    List<String> lines = Files.readAllLines(good);

    assertThatThrownBy(() -> Trace.read(write("empty.csv", List.of("hello"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not a trace");

    List<String> badNumber = new java.util.ArrayList<>(lines);
    badNumber.set(3, "soon," + lines.get(3).split(",", 2)[1]);
    assertThatThrownBy(() -> Trace.read(write("num.csv", badNumber)))
        .hasMessageContaining("num.csv:4: malformed number");

    List<String> outOfOrder = new java.util.ArrayList<>(lines);
    outOfOrder.add(2, "99999," + lines.get(2).split(",", 2)[1]);
    assertThatThrownBy(() -> Trace.read(write("order.csv", outOfOrder)))
        .hasMessageContaining("order.csv:4: at_ms");

    List<String> twoExec = new java.util.ArrayList<>(lines);
    String[] c = lines.get(2).split(",");
    twoExec.add(3, c[0] + "," + c[1] + "," + (Integer.parseInt(c[2]) + 1));
    assertThatThrownBy(() -> Trace.read(write("exec.csv", twoExec)))
        .hasMessageContaining("has execution_ms");

    List<String> badSpec = new java.util.ArrayList<>(lines);
    badSpec.set(0, lines.get(0).replace("functions=30", "functions=0"));
    assertThatThrownBy(() -> Trace.read(write("spec.csv", badSpec)))
        .hasMessageContaining("spec.csv:1: trace spec: functions must be 1..1000");

    List<String> badName = new java.util.ArrayList<>(lines);
    badName.set(2, c[0] + ",Not_A_Name," + c[2]);
    assertThatThrownBy(() -> Trace.read(write("name.csv", badName)))
        .hasMessageContaining("is not a DNS label");
  }

  private Path write(String name, List<String> lines) throws Exception {
    return Files.write(dir.resolve(name), lines);
  }
}
