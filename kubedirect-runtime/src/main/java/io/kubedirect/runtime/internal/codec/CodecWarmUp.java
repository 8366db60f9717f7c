package io.kubedirect.runtime.internal.codec;

import io.kubedirect.protocol.v1.ChangeType;
import io.kubernetes.client.common.KubernetesObject;
import io.kubernetes.client.openapi.JSON;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the code of a stage's first burst once before it comes: encodes and decodes two sample
 * objects of each kind through a throwaway encoder and decoder of the codec (template and
 * per-object paths), and maps them to and from JSON with client-java's mapping, as the informers
 * and the write-back do. A fresh JVM otherwise pays for loading and linking these classes and for
 * setting up the JSON mappings of the kinds in the middle of the first burst: without it the first
 * pod of a 30-pod burst took 0.45-0.9 s in the direct slice against 0.1-0.2 s in later bursts
 * (docs/benchmarks.md, "Small bursts"). Failures are logged and ignored: this only saves time.
 */
public final class CodecWarmUp {

  private static final Logger log = LoggerFactory.getLogger(CodecWarmUp.class);

  private CodecWarmUp() {}

  /**
   * Warms up {@code codec} and {@code json} for {@code kinds} (protocol kind strings); returns how
   * many kinds made the round trip.
   */
  public static int run(ObjectCodec codec, JSON json, Collection<String> kinds) {
    long t0 = System.nanoTime();
    int done = 0;
    ObjectEncoder encoder = codec.newEncoder(kinds.size() + 1);
    ObjectDecoder decoder = codec.newDecoder(kinds.size() + 1);
    for (String kind : kinds) {
      try {
        List<OutboundChange> changes = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
          changes.add(new OutboundChange(ChangeType.ADDED, sample(kind, i), 1));
        }
        List<InboundChange> decoded = decoder.decode(encoder.encode(kind, changes));
        for (InboundChange c : decoded) {
          json.deserialize(json.serialize(c.object()), c.object().getClass());
        }
        done++;
      } catch (MissingTemplateException | ReflectiveOperationException | RuntimeException e) {
        log.debug("warm-up of kind {} failed: {}", kind, e.toString());
      }
    }
    log.debug(
        "warmed up the codec for {} of {} kinds in {} ms",
        done,
        kinds.size(),
        (System.nanoTime() - t0) / 1_000_000);
    return done;
  }

  /** A sample object of {@code kind}: metadata only, as a producer's new object has. */
  static KubernetesObject sample(String kind, int i) throws ReflectiveOperationException {
    KubernetesObject o = Kinds.classOf(kind).getDeclaredConstructor().newInstance();
    V1ObjectMeta meta =
        new V1ObjectMeta()
            .name("kubedirect-warm-up-" + i)
            .namespace("default")
            .uid(UUID.nameUUIDFromBytes(("warm-up-" + i).getBytes()).toString())
            .creationTimestamp(OffsetDateTime.of(2000, 1, 1, 0, 0, 0, 0, ZoneOffset.UTC))
            .putLabelsItem("kubedirect.io/warm-up", "true");
    o.getClass().getMethod("setMetadata", V1ObjectMeta.class).invoke(o, meta);
    o.getClass().getMethod("setApiVersion", String.class).invoke(o, Kinds.apiVersion(kind));
    o.getClass().getMethod("setKind", String.class).invoke(o, Kinds.kindName(kind));
    return o;
  }
}
