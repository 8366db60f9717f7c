package io.kubedirect.api;

import io.kubernetes.client.common.KubernetesObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Immutable description of one stage of the narrow waist: its name, the stages it is linked to and
 * the kinds it receives and emits. Build with {@link #builder(String)} or read from {@link
 * DirectStage}.
 *
 * <p>Besides its downstreams (which take over objects and write them back, or pass them on), a
 * stage may have <em>subscribers</em>: stages that only observe, best effort, the objects of the
 * {@linkplain #publishedKinds() published kinds} this stage holds (e.g. a sandbox manager publishes
 * its pods, with their readiness, to an activator). A subscriber never writes them back, and its
 * link never delays or fails this stage's writes.
 */
public final class StageDeclaration {

  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  private final String name;
  private final List<String> upstreams;
  private final List<String> downstreams;
  private final Set<Class<? extends KubernetesObject>> receivedKinds;
  private final Set<Class<? extends KubernetesObject>> emittedKinds;
  private final List<String> subscribers;
  private final Set<Class<? extends KubernetesObject>> publishedKinds;

  private StageDeclaration(Builder b) {
    this.name = b.name;
    this.upstreams = List.copyOf(new LinkedHashSet<>(b.upstreams));
    this.downstreams = List.copyOf(new LinkedHashSet<>(b.downstreams));
    this.receivedKinds = Collections.unmodifiableSet(new LinkedHashSet<>(b.receives));
    this.emittedKinds = Collections.unmodifiableSet(new LinkedHashSet<>(b.emits));
    this.subscribers = List.copyOf(new LinkedHashSet<>(b.subscribers));
    Set<Class<? extends KubernetesObject>> published = new LinkedHashSet<>(b.publishes);
    if (published.isEmpty() && !subscribers.isEmpty()) {
      published.addAll(receivedKinds);
      published.addAll(emittedKinds);
    }
    this.publishedKinds = Collections.unmodifiableSet(published);
  }

  /** Starts a declaration for the stage {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /**
   * Reads the {@link DirectStage} annotation of {@code annotated}.
   *
   * @throws IllegalArgumentException if the class is not annotated or the declaration is invalid
   */
  public static StageDeclaration fromAnnotated(Class<?> annotated) {
    Objects.requireNonNull(annotated, "annotated");
    DirectStage a = annotated.getAnnotation(DirectStage.class);
    if (a == null) {
      throw new IllegalArgumentException(
          annotated.getName() + " is not annotated with @DirectStage");
    }
    try {
      return builder(a.name())
          .upstream(a.upstream())
          .downstream(a.downstream())
          .receives(a.receives())
          .emits(a.emits())
          .subscribers(a.subscribers())
          .publishes(a.publishes())
          .build();
    } catch (IllegalStateException e) {
      throw new IllegalArgumentException(
          "invalid @DirectStage on " + annotated.getName() + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code s} is a valid stage name (an RFC 1123 DNS label). */
  public static boolean isValidStageName(String s) {
    return s != null && DNS_LABEL.matcher(s).matches();
  }

  /** The stage name. */
  public String name() {
    return name;
  }

  /** Upstream stage names, in declaration order. */
  public List<String> upstreams() {
    return upstreams;
  }

  /** Downstream stage names, in declaration order. */
  public List<String> downstreams() {
    return downstreams;
  }

  /** Kinds received over direct links. */
  public Set<Class<? extends KubernetesObject>> receivedKinds() {
    return receivedKinds;
  }

  /** Kinds emitted over direct links. */
  public Set<Class<? extends KubernetesObject>> emittedKinds() {
    return emittedKinds;
  }

  /** Subscriber stage names (they observe the published kinds), in declaration order. */
  public List<String> subscribers() {
    return subscribers;
  }

  /**
   * Kinds sent to subscribers: the declared ones, or, when none are declared and the stage has
   * subscribers, every kind it receives or emits. Empty without subscribers.
   */
  public Set<Class<? extends KubernetesObject>> publishedKinds() {
    return publishedKinds;
  }

  /** Whether this stage receives {@code kind} over direct links. */
  public boolean receives(Class<?> kind) {
    return receivedKinds.contains(kind);
  }

  /** Whether this stage emits {@code kind} over direct links. */
  public boolean emits(Class<?> kind) {
    return emittedKinds.contains(kind);
  }

  /** Whether {@code stage} is a declared upstream of this stage. */
  public boolean hasUpstream(String stage) {
    return upstreams.contains(stage);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof StageDeclaration d
        && d.name.equals(name)
        && d.upstreams.equals(upstreams)
        && d.downstreams.equals(downstreams)
        && d.receivedKinds.equals(receivedKinds)
        && d.emittedKinds.equals(emittedKinds)
        && d.subscribers.equals(subscribers)
        && d.publishedKinds.equals(publishedKinds);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        name, upstreams, downstreams, receivedKinds, emittedKinds, subscribers, publishedKinds);
  }

  @Override
  public String toString() {
    return "Stage{"
        + name
        + ", up="
        + upstreams
        + ", down="
        + downstreams
        + ", receives="
        + simple(receivedKinds)
        + ", emits="
        + simple(emittedKinds)
        + (subscribers.isEmpty()
            ? ""
            : ", subscribers=" + subscribers + ", publishes=" + simple(publishedKinds))
        + "}";
  }

  private static List<String> simple(Set<Class<? extends KubernetesObject>> kinds) {
    List<String> out = new ArrayList<>();
    kinds.forEach(k -> out.add(k.getSimpleName()));
    return out;
  }

  /** Builds a {@link StageDeclaration}; {@link #build()} validates. */
  public static final class Builder {
    private final String name;
    private final List<String> upstreams = new ArrayList<>();
    private final List<String> downstreams = new ArrayList<>();
    private final List<Class<? extends KubernetesObject>> receives = new ArrayList<>();
    private final List<Class<? extends KubernetesObject>> emits = new ArrayList<>();
    private final List<String> subscribers = new ArrayList<>();
    private final List<Class<? extends KubernetesObject>> publishes = new ArrayList<>();

    private Builder(String name) {
      this.name = name;
    }

    /** Adds upstream stages. */
    public Builder upstream(String... stages) {
      upstreams.addAll(Arrays.asList(Objects.requireNonNull(stages, "stages")));
      return this;
    }

    /** Adds downstream stages. */
    public Builder downstream(String... stages) {
      downstreams.addAll(Arrays.asList(Objects.requireNonNull(stages, "stages")));
      return this;
    }

    /** Adds kinds received from upstream stages. */
    @SafeVarargs
    public final Builder receives(Class<? extends KubernetesObject>... kinds) {
      for (Class<? extends KubernetesObject> k : Objects.requireNonNull(kinds, "kinds")) {
        receives.add(k);
      }
      return this;
    }

    /** Adds kinds emitted to downstream stages. */
    @SafeVarargs
    public final Builder emits(Class<? extends KubernetesObject>... kinds) {
      for (Class<? extends KubernetesObject> k : Objects.requireNonNull(kinds, "kinds")) {
        emits.add(k);
      }
      return this;
    }

    /**
     * Adds subscriber stages: each instance of them gets, best effort, every object of the
     * published kinds this stage holds (received or produced, not yet persisted, and deletions of
     * them), and a fresh snapshot after its link comes back. A subscriber observes only: it never
     * writes these objects back, and a subscriber that is slow, down or unreachable never delays,
     * fails or reroutes this stage's writes. A subscriber declares this stage as its upstream and
     * the kinds as received.
     */
    public Builder subscribers(String... stages) {
      subscribers.addAll(Arrays.asList(Objects.requireNonNull(stages, "stages")));
      return this;
    }

    /**
     * Adds kinds sent to subscribers; each must be a kind this stage receives or emits. Default:
     * every kind it receives or emits.
     */
    @SafeVarargs
    public final Builder publishes(Class<? extends KubernetesObject>... kinds) {
      for (Class<? extends KubernetesObject> k : Objects.requireNonNull(kinds, "kinds")) {
        publishes.add(k);
      }
      return this;
    }

    /**
     * Validates and builds.
     *
     * @throws IllegalStateException on an invalid name, a self-link, a stage with upstreams that
     *     receives no kind, a stage with downstreams that emits no kind, a subscriber that is also
     *     a downstream or an upstream, published kinds without subscribers, or a published kind the
     *     stage neither receives nor emits
     */
    public StageDeclaration build() {
      if (!isValidStageName(name)) {
        throw new IllegalStateException("stage name must be a DNS label: '" + name + "'");
      }
      for (String s : upstreams) {
        check(s, "upstream");
      }
      for (String s : downstreams) {
        check(s, "downstream");
      }
      if (receives.contains(null) || emits.contains(null)) {
        throw new IllegalStateException("null kind");
      }
      if (!upstreams.isEmpty() && receives.isEmpty()) {
        throw new IllegalStateException("stage '" + name + "' has upstreams but receives no kind");
      }
      if (!downstreams.isEmpty() && emits.isEmpty()) {
        throw new IllegalStateException("stage '" + name + "' has downstreams but emits no kind");
      }
      for (String s : subscribers) {
        check(s, "subscriber");
        if (downstreams.contains(s)) {
          throw new IllegalStateException(
              "stage '"
                  + s
                  + "' is both a downstream and a subscriber of '"
                  + name
                  + "': a downstream already gets every object it emits; declare it once");
        }
        if (upstreams.contains(s)) {
          throw new IllegalStateException(
              "stage '" + s + "' is both an upstream and a subscriber of '" + name + "'");
        }
      }
      if (publishes.contains(null)) {
        throw new IllegalStateException("null kind");
      }
      if (!publishes.isEmpty() && subscribers.isEmpty()) {
        throw new IllegalStateException(
            "stage '" + name + "' publishes kinds but has no subscribers");
      }
      for (Class<? extends KubernetesObject> k : publishes) {
        if (!receives.contains(k) && !emits.contains(k)) {
          throw new IllegalStateException(
              "stage '"
                  + name
                  + "' publishes "
                  + k.getSimpleName()
                  + " but neither receives nor emits it");
        }
      }
      if (!subscribers.isEmpty() && publishes.isEmpty() && receives.isEmpty() && emits.isEmpty()) {
        throw new IllegalStateException(
            "stage '"
                + name
                + "' has subscribers but nothing to publish: it receives "
                + "and emits no kind");
      }
      return new StageDeclaration(this);
    }

    private void check(String s, String role) {
      if (!isValidStageName(s)) {
        throw new IllegalStateException(role + " stage name must be a DNS label: '" + s + "'");
      }
      if (s.equals(name)) {
        throw new IllegalStateException("stage '" + name + "' cannot be its own " + role);
      }
    }
  }
}
