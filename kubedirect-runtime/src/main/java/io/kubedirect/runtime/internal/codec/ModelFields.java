package io.kubedirect.runtime.internal.codec;

import io.kubernetes.client.custom.IntOrString;
import io.kubernetes.client.custom.Quantity;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reflection helpers over client-java model classes (package {@code
 * io.kubernetes.client.openapi.models}) for the codec's fast paths: shallow copies, and a strict
 * structural comparison that implies equal JSON. Thread-safe (field tables are cached per class).
 *
 * <p>The models' own {@code equals} is not strict enough for the codec: {@code Quantity.equals}
 * ignores the format ({@code 1Gi} equals {@code 1073741824}) although the two serialise
 * differently. {@link #sameJson} only answers true when client-java's JSON of both values is
 * necessarily identical (it may answer false for values whose JSON happens to be equal; callers
 * then take their slow path).
 */
final class ModelFields {

  private static final String MODELS = "io.kubernetes.client.openapi.models.";

  /**
   * The instance fields and no-arg constructor of one model class, or null if it cannot be handled.
   */
  private record Table(Constructor<?> constructor, Field[] fields) {}

  /** How {@link #sameJson} compares values of a class. */
  private enum Shape {
    LEAF,
    QUANTITY,
    INT_OR_STRING,
    BYTES,
    LIST,
    MAP,
    MODEL,
    UNKNOWN
  }

  private static final ClassValue<Table> TABLES =
      new ClassValue<>() {
        @Override
        protected Table computeValue(Class<?> type) {
          return type.getName().startsWith(MODELS) ? load(type) : null;
        }
      };

  private static final ClassValue<Shape> SHAPES =
      new ClassValue<>() {
        @Override
        protected Shape computeValue(Class<?> type) {
          return shapeOf(type);
        }
      };

  private ModelFields() {}

  /** Whether {@code type} is a client-java model class this helper can copy and compare. */
  static boolean supports(Class<?> type) {
    return table(type) != null;
  }

  private static Table table(Class<?> type) {
    return TABLES.get(type);
  }

  private static Shape shapeOf(Class<?> type) {
    if (type == String.class
        || type == Boolean.class
        || type == Integer.class
        || type == Long.class
        || type == Double.class
        || type == Float.class
        || type == Short.class
        || type == Byte.class
        || type == BigDecimal.class
        || type == BigInteger.class
        || type == OffsetDateTime.class
        || type == LocalDate.class
        || type.isEnum()) {
      // BigDecimal.equals includes the scale, OffsetDateTime.equals the offset: equal values, equal
      // JSON.
      return Shape.LEAF;
    }
    if (type == Quantity.class) {
      return Shape.QUANTITY;
    }
    if (type == IntOrString.class) {
      return Shape.INT_OR_STRING;
    }
    if (type == byte[].class) {
      return Shape.BYTES;
    }
    if (List.class.isAssignableFrom(type)) {
      return Shape.LIST;
    }
    if (Map.class.isAssignableFrom(type)) {
      return Shape.MAP;
    }
    return table(type) != null ? Shape.MODEL : Shape.UNKNOWN;
  }

  private static Table load(Class<?> type) {
    try {
      List<Field> fields = new ArrayList<>();
      for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
        for (Field f : c.getDeclaredFields()) {
          if (!Modifier.isStatic(f.getModifiers())) {
            f.setAccessible(true);
            fields.add(f);
          }
        }
      }
      Constructor<?> ctor = type.getDeclaredConstructor();
      ctor.setAccessible(true);
      return new Table(ctor, fields.toArray(new Field[0]));
    } catch (ReflectiveOperationException | RuntimeException e) {
      // InaccessibleObjectException (module rules), no no-arg constructor, ...: no fast path for
      // this class.
      return null;
    }
  }

  /**
   * A new instance of the same model class holding the same field values (sub-objects shared).
   *
   * @throws IllegalArgumentException if the class is not {@linkplain #supports supported}
   */
  @SuppressWarnings("unchecked")
  static <T> T shallowCopy(T source) {
    Table t = table(source.getClass());
    if (t == null) {
      throw new IllegalArgumentException(
          "not a supported model class: " + source.getClass().getName());
    }
    try {
      Object copy = t.constructor().newInstance();
      for (Field f : t.fields()) {
        f.set(copy, f.get(source));
      }
      return (T) copy;
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot copy " + source.getClass().getName(), e);
    }
  }

  /**
   * Whether client-java's JSON of {@code a} and {@code b} is certainly the same (map key order
   * aside). False when in doubt (unknown value types, numbers of different scale).
   */
  static boolean sameJson(Object a, Object b) {
    if (a == b) {
      return true;
    }
    if (a == null || b == null) {
      return false;
    }
    Class<?> type = a.getClass();
    switch (SHAPES.get(type)) {
      case LEAF:
        return type == b.getClass() && a.equals(b);
      case LIST:
        return b instanceof List<?> lb && sameLists((List<?>) a, lb);
      case MAP:
        return b instanceof Map<?, ?> mb && sameMaps((Map<?, ?>) a, mb);
      case QUANTITY:
        {
          if (type != b.getClass()) {
            return false;
          }
          Quantity qa = (Quantity) a;
          Quantity qb = (Quantity) b;
          return qa.getFormat() == qb.getFormat() && qa.getNumber().equals(qb.getNumber());
        }
      case INT_OR_STRING:
        {
          if (type != b.getClass()) {
            return false;
          }
          IntOrString ia = (IntOrString) a;
          IntOrString ib = (IntOrString) b;
          if (ia.isInteger() != ib.isInteger()) {
            return false;
          }
          return ia.isInteger()
              ? Objects.equals(ia.getIntValue(), ib.getIntValue())
              : Objects.equals(ia.getStrValue(), ib.getStrValue());
        }
      case BYTES:
        return b instanceof byte[] bb && Arrays.equals((byte[]) a, bb);
      case MODEL:
        return type == b.getClass() && sameFields(table(type), a, b, Set.of());
      default:
        return false;
    }
  }

  /**
   * {@link #sameJson} for two instances of one supported model class, ignoring the named fields.
   *
   * @throws IllegalArgumentException if the class is not supported or the two differ in class
   */
  static boolean sameJsonExcept(Object a, Object b, Set<String> ignored) {
    if (a.getClass() != b.getClass()) {
      return false;
    }
    Table t = table(a.getClass());
    if (t == null) {
      throw new IllegalArgumentException("not a supported model class: " + a.getClass().getName());
    }
    return sameFields(t, a, b, ignored);
  }

  private static boolean sameFields(Table t, Object a, Object b, Set<String> ignored) {
    try {
      for (Field f : t.fields()) {
        if (!ignored.isEmpty() && ignored.contains(f.getName())) {
          continue;
        }
        if (!sameJson(f.get(a), f.get(b))) {
          return false;
        }
      }
      return true;
    } catch (IllegalAccessException e) {
      return false;
    }
  }

  private static boolean sameLists(List<?> a, List<?> b) {
    if (a.size() != b.size()) {
      return false;
    }
    Iterator<?> ia = a.iterator();
    Iterator<?> ib = b.iterator();
    while (ia.hasNext()) {
      if (!sameJson(ia.next(), ib.next())) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameMaps(Map<?, ?> a, Map<?, ?> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (Map.Entry<?, ?> en : a.entrySet()) {
      Object key = en.getKey();
      if (!(key instanceof String)) {
        return false;
      }
      Object other = b.get(key);
      if (other == null || !sameJson(en.getValue(), other)) {
        return false;
      }
    }
    return true;
  }
}
