/**
 * The API Server's write ceiling for what the kubedirect tail writes back (pod create + Ready
 * status), JSON against protobuf and over a concurrency sweep: {@link
 * io.kubedirect.examples.bench.ceiling.WriteCeiling}.
 */
package io.kubedirect.examples.bench.ceiling;
