package io.kubedirect.it.architecture;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaCodeUnit;
import com.tngtech.archunit.core.domain.JavaField;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The public API of the published modules, one line per public (or protected) type and member, with
 * erased signatures. Not in it: the examples, the integration tests, the generated protocol classes
 * (their shape is {@code link.proto}'s) and the runtime's {@code internal} packages.
 */
final class PublicSurface {

  private PublicSurface() {}

  /** Sorted lines: {@code type <name>} followed by its members, each {@code <name> <member>}. */
  static List<String> of(JavaClasses classes) {
    Set<String> lines = new TreeSet<>();
    for (JavaClass c : published(classes)) {
      lines.add(c.getName() + " " + kind(c) + superTypes(c));
      for (JavaMember m : members(c)) {
        lines.add(c.getName() + " | " + describe(m));
      }
    }
    return new ArrayList<>(lines);
  }

  /** Public signatures of published types that mention a type of an internal package. */
  static List<String> leaksOfInternalTypes(JavaClasses classes) {
    List<String> leaks = new ArrayList<>();
    for (JavaClass c : published(classes)) {
      Stream.concat(c.getRawSuperclass().stream(), c.getRawInterfaces().stream())
          .filter(PublicSurface::internal)
          .forEach(t -> leaks.add(c.getName() + " extends " + t.getName()));
      for (JavaMember m : members(c)) {
        referencedTypes(m).stream()
            .filter(PublicSurface::internal)
            .forEach(t -> leaks.add(c.getName() + " | " + describe(m) + " uses " + t.getName()));
      }
    }
    return leaks;
  }

  private static List<JavaClass> published(JavaClasses classes) {
    return classes.stream()
        .filter(c -> exported(c) && !excludedPackage(c.getPackageName()))
        .sorted((a, b) -> a.getName().compareTo(b.getName()))
        .collect(Collectors.toList());
  }

  private static boolean excludedPackage(String pkg) {
    return pkg.startsWith("io.kubedirect.examples")
        || pkg.startsWith("io.kubedirect.it")
        || pkg.startsWith("io.kubedirect.protocol")
        || pkg.startsWith("com.example")
        || pkg.contains(".internal");
  }

  /** Public, and (if nested) inside public types all the way out. */
  private static boolean exported(JavaClass c) {
    if (!c.getModifiers().contains(JavaModifier.PUBLIC)
        || c.isAnonymousClass()
        || c.isLocalClass()) {
      return false;
    }
    return c.getEnclosingClass().map(PublicSurface::exported).orElse(true);
  }

  private static List<JavaMember> members(JavaClass c) {
    List<JavaMember> out = new ArrayList<>();
    c.getConstructors().forEach(out::add);
    c.getMethods().forEach(out::add);
    c.getFields().forEach(out::add);
    boolean subclassable =
        !c.getModifiers().contains(JavaModifier.FINAL) && !c.isEnum() && !c.isRecord();
    return out.stream()
        .filter(
            m ->
                m.getModifiers().contains(JavaModifier.PUBLIC)
                    || (subclassable && m.getModifiers().contains(JavaModifier.PROTECTED)))
        .filter(
            m ->
                !m.getModifiers().contains(JavaModifier.SYNTHETIC)
                    && !m.getModifiers().contains(JavaModifier.BRIDGE))
        .collect(Collectors.toList());
  }

  private static String kind(JavaClass c) {
    if (c.isAnnotation()) {
      return "@interface";
    }
    if (c.isInterface()) {
      return "interface";
    }
    if (c.isEnum()) {
      return "enum";
    }
    if (c.isRecord()) {
      return "record";
    }
    return (c.getModifiers().contains(JavaModifier.ABSTRACT) ? "abstract " : "")
        + (c.getModifiers().contains(JavaModifier.FINAL) ? "final " : "")
        + "class";
  }

  private static String superTypes(JavaClass c) {
    List<String> names = new ArrayList<>();
    c.getRawSuperclass()
        .filter(s -> !s.getName().startsWith("java.lang."))
        .ifPresent(s -> names.add(s.getName()));
    c.getRawInterfaces().forEach(i -> names.add(i.getName()));
    return names.isEmpty() ? "" : " : " + String.join(", ", names);
  }

  private static String describe(JavaMember m) {
    String stat = m.getModifiers().contains(JavaModifier.STATIC) ? "static " : "";
    String prot = m.getModifiers().contains(JavaModifier.PROTECTED) ? "protected " : "";
    if (m instanceof JavaField f) {
      return prot + stat + "field " + f.getName() + " : " + f.getRawType().getName();
    }
    JavaCodeUnit u = (JavaCodeUnit) m;
    String params =
        u.getRawParameterTypes().stream().map(JavaClass::getName).collect(Collectors.joining(", "));
    if (u.isConstructor()) {
      return prot + "new(" + params + ")";
    }
    return prot + stat + u.getName() + "(" + params + ") : " + u.getRawReturnType().getName();
  }

  private static List<JavaClass> referencedTypes(JavaMember m) {
    List<JavaClass> types = new ArrayList<>();
    if (m instanceof JavaField f) {
      types.add(f.getRawType());
    } else {
      JavaCodeUnit u = (JavaCodeUnit) m;
      types.addAll(u.getRawParameterTypes());
      types.add(u.getRawReturnType());
    }
    return types;
  }

  private static boolean internal(JavaClass c) {
    return c.getPackageName().startsWith("io.kubedirect.")
        && c.getPackageName().contains(".internal");
  }
}
