#!/usr/bin/env bash
# Runs the demo on a fresh machine: builds the local control plane binaries (skipped when cached),
# builds the project (nothing is installed into ~/.m2), then runs the demo main class with `java -cp` on the
# classpath the examples module writes to examples/target/classpath.txt.
#
#   ./hack/demo.sh                      # the burst demo (BurstDemo --help lists its flags)
#   DEMO_MAIN=io.kubedirect.examples.smoke.SmokeDemo ./hack/demo.sh 5   # any main class, args passed on
#
# Environment: DEMO_MAIN (main class), KUBEDIRECT_BIN_DIR (binary directory, see docs/control-plane.md),
# DEMO_JAVA_OPTS (JVM options, e.g. -Xmx2g), DEMO_LOG (the log file, default target/demo.log; the terminal shows
# progress and the results only). The burst demo writes an HTML report with charts to target/demo-report/.
set -euo pipefail
cd "$(dirname "$0")/.."

DEMO_MAIN="${DEMO_MAIN:-io.kubedirect.examples.demo.BurstDemo}"

if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi

bash hack/build-control-plane.sh >/dev/null
DEMO_LOG="${DEMO_LOG:-target/demo.log}"
mkdir -p "$(dirname "$DEMO_LOG")"
BUILD_LOG="$(dirname "$DEMO_LOG")/demo-build.log"
echo "[demo] building (log: $BUILD_LOG)" >&2
if ! mvn -B -ntp -q -pl examples -am package -DskipTests >"$BUILD_LOG" 2>&1; then
  echo "[demo] the Maven build failed; the end of $BUILD_LOG:" >&2
  tail -n 30 "$BUILD_LOG" >&2
  exit 1
fi
echo "[demo] logs: $DEMO_LOG" >&2
# shellcheck disable=SC2086 # DEMO_JAVA_OPTS is a list of options
exec java ${DEMO_JAVA_OPTS:-} -Dorg.slf4j.simpleLogger.logFile="$DEMO_LOG" \
  -cp "examples/target/classes:$(cat examples/target/classpath.txt)" "$DEMO_MAIN" "$@"
