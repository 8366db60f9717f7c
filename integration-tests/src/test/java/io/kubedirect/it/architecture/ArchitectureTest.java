package io.kubedirect.it.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layout rules of docs/architecture.md, checked over the main classes of every module: no
 * package cycle, Netty only in the Netty transport, the runtime's {@code internal} packages used by
 * the runtime alone, and the published modules' public surface pinned in {@code
 * src/test/resources/public-api.txt}.
 *
 * <p>After an intended change of the public API, regenerate the file with {@code mvn -pl
 * integration-tests -am test -Dtest=ArchitectureTest -Dsurefire.failIfNoSpecifiedTests=false
 * -Dkubedirect.api.update=true} and review its diff.
 */
class ArchitectureTest {

  private static final Path PINNED = Path.of("src/test/resources/public-api.txt");

  private static JavaClasses main;

  @BeforeAll
  static void importMainClasses() {
    main =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.kubedirect", "com.example");
  }

  @Test
  void noPackageDependsOnItselfThroughAnother() {
    slices().matching("io.kubedirect.(**)").should().beFreeOfCycles().check(main);
  }

  @Test
  void nettyStaysInTheNettyTransport() {
    noClasses()
        .that()
        .resideInAnyPackage(
            "io.kubedirect.api..",
            "io.kubedirect.transport",
            "io.kubedirect.transport.inmemory..",
            "io.kubedirect.runtime..",
            "io.kubedirect.metrics..",
            "io.kubedirect.testing..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage("io.netty..")
        .because(
            "only kubedirect-transport-netty may use Netty (the examples' HTTP activator is not library code)")
        .check(main);
  }

  @Test
  void onlyTheRuntimeUsesItsInternalPackages() {
    noClasses()
        .that()
        .resideOutsideOfPackages(
            "io.kubedirect.runtime..",
            // WriteCeiling's write-back row measures the tail's WriteBackQueue alone against the
            // API
            // Server's ceiling (issue #12, item 3): a benchmark of an internal, not an example.
            "io.kubedirect.examples.bench.ceiling..")
        .should()
        .dependOnClassesThat()
        .resideInAPackage("io.kubedirect.runtime.internal..")
        .because("io.kubedirect.runtime.internal.* is not API")
        .check(main);
  }

  @Test
  void theApiModuleDependsOnNoImplementation() {
    noClasses()
        .that()
        .resideInAnyPackage("io.kubedirect.api..", "io.kubedirect.transport")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.kubedirect.runtime..",
            "io.kubedirect.transport.netty..",
            "io.kubedirect.transport.inmemory..",
            "io.kubedirect.testing..")
        .check(main);
  }

  @Test
  void thePublicSurfaceIsPinned() throws IOException {
    List<String> actual = PublicSurface.of(main);
    if (Boolean.getBoolean("kubedirect.api.update")) {
      Files.write(PINNED, actual, StandardCharsets.UTF_8);
    }
    List<String> pinned = Files.readAllLines(PINNED, StandardCharsets.UTF_8);
    List<String> added = new ArrayList<>(actual);
    added.removeAll(pinned);
    List<String> removed = new ArrayList<>(pinned);
    removed.removeAll(actual);
    assertThat(added)
        .as("public API not in %s (regenerate it if intended: see this class's Javadoc)", PINNED)
        .isEmpty();
    assertThat(removed)
        .as("public API in %s that is gone (regenerate it if intended)", PINNED)
        .isEmpty();
  }

  @Test
  void noPublicSignatureExposesAnInternalType() {
    assertThat(PublicSurface.leaksOfInternalTypes(main)).isEmpty();
  }
}
