#!/usr/bin/env bash
# Runs the burst benchmark: scales a function 0 -> N pods through (a) the plain client-java slice, (b) the
# kubedirect slice and (c) stock kube-controller-manager + kube-scheduler (K8s+), each on a fresh embedded
# control plane, and prints the result table on stdout, progress on stderr and an HTML report with charts to
# target/bench-report/. Logs go to $BENCH_LOG (default target/bench.log).
#
#   hack/bench.sh                       # benchmark settings: --pods 1000 --nodes 10, all three variants
#   hack/bench.sh --pods 200 --variants plain,direct
#
# SKIP_BUILD=1 skips the Maven build (uses examples/target/classes and examples/target/classpath.txt of the
# last build); OFFLINE=0 lets Maven reach the registry. Maven runs offline by default: ./hack/test.sh or
# ./hack/demo.sh has already fetched everything the build needs, the classpath plugin included (the examples
# module writes target/classpath.txt in every build). Nothing is installed into ~/.m2. Needs the control-plane
# binaries (hack/build-control-plane.sh) and Java 17 + Maven. Extra arguments are passed to
# io.kubedirect.examples.demo.BurstDemo (see its usage); later flags override the defaults below.
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_LOG="${BENCH_LOG:-target/bench.log}"
mkdir -p "$(dirname "$BENCH_LOG")"
MVN=(mvn -B -ntp -q)
[[ "${OFFLINE:-1}" == "1" ]] && MVN+=(-o)

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  echo "[bench] building the examples module and what it depends on" >&2
  if ! "${MVN[@]}" -pl examples -am package -DskipTests >&2; then
    echo "[bench] the Maven build failed; if something was missing offline, run ./hack/test.sh first or retry with OFFLINE=0" >&2
    exit 1
  fi
fi
CP_FILE=examples/target/classpath.txt
if [[ ! -s "$CP_FILE" ]]; then
  echo "[bench] $CP_FILE is missing: run without SKIP_BUILD=1 once" >&2
  exit 1
fi
CP="examples/target/classes:$(cat "$CP_FILE")"

echo "[bench] running BurstDemo (log: $BENCH_LOG)" >&2
java -Xmx2g -cp "$CP" \
  -Dorg.slf4j.simpleLogger.logFile="$BENCH_LOG" \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.io.kubedirect.examples.demo=info \
  io.kubedirect.examples.demo.BurstDemo --pods 1000 --nodes 10 --sandbox-managers 2 \
  --max-start-delay-ms 50 --variants plain,direct,k8s --report target/bench-report "$@"
