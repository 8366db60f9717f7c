#!/usr/bin/env bash
# Runs the benchmark harness (io.kubedirect.examples.bench.BenchMain): the workloads through the whole FaaS chain,
# each variant on a fresh embedded control plane; prints the tables and the ratios against the targets on
# stdout, progress on stderr, and writes an HTML report with charts plus results.json to the report directory
# (default target/bench-report). Logs go to $BENCH_LOG (default target/bench.log).
#
#   hack/bench.sh                                            # pods 100,500,1000 + functions 100,500, all variants
#   hack/bench.sh --workload pods --pods 1000 --variants plain,direct,k8s
#   hack/bench.sh --workload functions --functions 500 --mode process
#   hack/bench.sh --workload pods --trigger requests         # the closed-loop request burst instead of min-scale
#   hack/bench.sh --workload trace --variants plain,direct,k8s   # the short trace (--trace-preset long: 12 min each)
#   hack/bench.sh --workload all                             # the three workloads
#
# Flags (BenchMain --help): --workload pods|functions|trace|all[,...], --pods N[,N...], --functions F[,F...],
# --variants plain,direct,k8s,k8s-tuned, --mode in-jvm|process, --trigger min-scale|requests, --report DIR,
# --trace-preset short|long, --trace-seed S, --stage-java-opts "OPTS", and the settings (--nodes,
# --sandbox-managers, --max-start-delay-ms, --service-time-ms, --timeout-s, --tuned-qps, --tuned-burst).
#
# SKIP_BUILD=1 skips the Maven build (uses examples/target/classes and examples/target/classpath.txt of the
# last build); OFFLINE=0 lets Maven reach the registry. Maven runs offline by default: ./hack/test.sh or
# ./hack/demo.sh has already fetched everything the build needs, the classpath plugin included (the examples
# module writes target/classpath.txt in every build). Nothing is installed into ~/.m2. Needs the control-plane
# binaries (hack/build-control-plane.sh) and Java 17 + Maven. BENCH_JAVA_OPTS overrides the JVM options
# (default -Xmx3g); BENCH_STAGE_JAVA_OPTS those of each stage process in --mode process (passed as
# --stage-java-opts; default ProcessChain's "-Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto").
# The pods workload scales by patching min-scale (--trigger min-scale, the default); --trigger requests
# sends the request burst instead (as ./hack/demo.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."

BENCH_LOG="${BENCH_LOG:-target/bench.log}"
mkdir -p "$(dirname "$BENCH_LOG")"
MVN=(mvn -B -ntp -q)
[[ "${OFFLINE:-1}" == "1" ]] && MVN+=(-o)

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
bash hack/build-control-plane.sh >/dev/null

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
  echo "[bench] building the examples module and what it depends on" >&2
  if ! "${MVN[@]}" -pl examples -am package -DskipTests -Dkubedirect.jazzer.skip=true >&2; then
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

echo "[bench] running BenchMain (log: $BENCH_LOG)" >&2
# shellcheck disable=SC2086 # BENCH_JAVA_OPTS is a list of options
exec java ${BENCH_JAVA_OPTS:--Xmx3g} -cp "$CP" \
  -Dorg.slf4j.simpleLogger.logFile="$BENCH_LOG" \
  -Dorg.slf4j.simpleLogger.showDateTime=true \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn \
  -Dorg.slf4j.simpleLogger.log.io.kubedirect.examples.bench=info \
  io.kubedirect.examples.bench.BenchMain ${BENCH_STAGE_JAVA_OPTS:+--stage-java-opts "$BENCH_STAGE_JAVA_OPTS"} "$@"
